using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.Api.Emails;

/// <summary>Validation and MIME composition for one request: a <see cref="PreparedEmail"/> or the problem that stops it.</summary>
public sealed partial class EmailPreparer(EmailValidator validator, TimeProvider time, ILogger<EmailPreparer> logger)
{
    public PrepareResult Prepare(SendEmailRequest request)
    {
        var validation = validator.Validate(request);
        if (!validation.IsValid)
        {
            return new PrepareResult(null, Problems.Validation(validation.Errors!.ToDictionary()));
        }
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        ComposedMessage message;
        try
        {
            message = MimeComposer.Compose(validation.Value!, id, now);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or MimeKit.ParseException)
        {
            // The validator admits only what composes, so this is a gap in it to close; the input is
            // still the client's, and in a batch it must fail this email alone, not the request.
            LogComposeGap(logger, ex.GetType().Name, ex.Message);
            return new PrepareResult(null, Problems.Field("$", "The email cannot be built from this input: " + ex.Message));
        }
        if (message.Mime.Length > MimeComposer.MaxMessageBytes)
        {
            return new PrepareResult(null, Problems.Field("$",
                $"The built message is {message.Mime.Length} bytes; the limit is {MimeComposer.MaxMessageBytes} (10 MiB).",
                StatusCodes.Status413PayloadTooLarge));
        }
        return new PrepareResult(new PreparedEmail(id, validation.Value!, message, now), null);
    }

    [LoggerMessage(EventId = 1150, Level = LogLevel.Warning, Message = "Validation gap: a validated email did not compose ({ExceptionType}: {Error}); answered 400")]
    private static partial void LogComposeGap(ILogger logger, string exceptionType, string error);
}

public sealed record PrepareResult(PreparedEmail? Email, ProblemHttpResult? Problem);
