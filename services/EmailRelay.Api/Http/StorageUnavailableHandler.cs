using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace EmailRelay.Api.Http;

/// <summary>
/// PostgreSQL down or overloaded is our failure, not the client's, and a retry may well succeed:
/// 503 with Retry-After (API.md), never a 500. Only an error that says so itself
/// (<see cref="NpgsqlException.IsTransient"/>, a timeout) is one: a constraint or data error would
/// fail the same way on every retry, and telling the client to retry it would loop forever.
/// </summary>
public sealed partial class StorageUnavailableHandler(IProblemDetailsService problems, ILogger<StorageUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || context.Response.HasStarted)
        {
            return false;
        }
        LogStorageUnavailable(logger, exception.GetType().Name, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "The request was not stored. Retry after the time in Retry-After.",
            },
        });
    }

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        _ => false,
    };

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Storage unavailable: {ExceptionType}: {Error}")]
    private static partial void LogStorageUnavailable(ILogger logger, string exceptionType, string error);
}
