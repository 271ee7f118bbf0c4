using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.Api.Emails;

/// <summary>Validation and MIME composition for one request: a <see cref="PreparedEmail"/> or the problem that stops it.</summary>
public sealed class EmailPreparer(EmailValidator validator, TimeProvider time)
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
        var message = MimeComposer.Compose(validation.Value!, id, now);
        if (message.Mime.Length > MimeComposer.MaxMessageBytes)
        {
            return new PrepareResult(null, Problems.Field("$",
                $"The built message is {message.Mime.Length} bytes; the limit is {MimeComposer.MaxMessageBytes} (10 MiB).",
                StatusCodes.Status413PayloadTooLarge));
        }
        return new PrepareResult(new PreparedEmail(id, validation.Value!, message, now), null);
    }
}

public sealed record PrepareResult(PreparedEmail? Email, ProblemHttpResult? Problem);
