using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace EmailRelay.Api.Http;

/// <summary>
/// Exceptions that are the client's fault, answered as a 4xx problem instead of a 500: Kestrel's
/// verdict on a malformed request (a body shorter than its Content-Length, bad chunking, over the
/// size limit), and a PostgreSQL data exception (SQLSTATE class 22: a value the database cannot
/// hold) that validation should have caught. The latter is logged as a validation gap to close.
/// </summary>
public sealed partial class ClientFaultHandler(IProblemDetailsService problems, ILogger<ClientFaultHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }
        int status;
        string detail;
        switch (exception)
        {
            case BadHttpRequestException bad:
                status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
                detail = bad.Message;
                break;
            case PostgresException { SqlState: [ '2', '2', .. ] } data:
                LogValidationGap(logger, data.SqlState, data.MessageText, context.Request.Path);
                status = StatusCodes.Status400BadRequest;
                detail = "A value in the request cannot be stored (" + data.MessageText + ").";
                break;
            default:
                return false;
        }
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = status == StatusCodes.Status413PayloadTooLarge ? "The request is too large." : "The request is invalid.",
                Detail = Problems.Printable(detail),
            },
        });
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Validation gap: PostgreSQL refused a value from a request to {Path} ({SqlState}: {Error}); answered 400")]
    private static partial void LogValidationGap(ILogger logger, string sqlState, string error, string path);
}
