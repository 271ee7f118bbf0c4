using System.Globalization;
using SmtpServer.Protocol;

namespace EmailRelay.Api.Submission;

/// <summary>
/// Every reply the submission listener words itself, with its RFC 3463 enhanced status code:
/// the SMTP counterparts of the HTTP API's answers (API.md §SMTP submission).
/// </summary>
public static class SubmissionReplies
{
    public static SmtpResponse Queued(Guid id) => new(SmtpReplyCode.Ok, $"2.0.0 Ok: queued as {id}");

    /// <summary>MAIL before a successful AUTH: no relaying without it, ever.</summary>
    public static readonly SmtpResponse AuthenticationRequired = new((SmtpReplyCode)530, "5.7.0 Authentication required");

    /// <summary>The HTTP 401/403: unknown or revoked key, wrong user name, or a key without emails:send.</summary>
    public static readonly SmtpResponse InvalidCredentials = new((SmtpReplyCode)535, "5.7.8 Authentication credentials invalid");

    public static readonly SmtpResponse TooManyFailedLogins =
        new((SmtpReplyCode)454, "4.7.0 Too many failed logins from this address; try again later");

    public static readonly SmtpResponse AuthenticationUnavailable =
        new((SmtpReplyCode)454, "4.7.0 Temporary authentication failure; try again later");

    /// <summary>The HTTP 503: storage unavailable. The session is closed; the client keeps the message and retries.</summary>
    public static readonly SmtpResponse Unavailable =
        new((SmtpReplyCode)421, "4.7.0 Service temporarily unavailable; nothing was stored, try again later");

    /// <summary>SIGTERM: a session outside a transaction is closed; its client reconnects, to another replica.</summary>
    public static readonly SmtpResponse ShuttingDown = new((SmtpReplyCode)421, "4.3.2 Service shutting down; try again later");

    public static readonly SmtpResponse TooManyConnections =
        new((SmtpReplyCode)421, "4.7.0 Too many connections; try again later");

    public static readonly SmtpResponse TooManyRecipients = new((SmtpReplyCode)452, "4.5.3 Too many recipients");

    /// <summary>The HTTP 422 of Senders__RequireVerifiedDomain.</summary>
    public static SmtpResponse UnverifiedSender(string domain) =>
        new((SmtpReplyCode)550, $"5.7.1 '{domain}' is not a verified sending domain of this project");

    /// <summary>The HTTP 429: the project's send rate.</summary>
    public static SmtpResponse RateLimited(long retryAfterSeconds) =>
        new((SmtpReplyCode)452, string.Create(CultureInfo.InvariantCulture,
            $"4.3.1 Send rate exceeded; nothing was stored, retry after {retryAfterSeconds} s"));

    /// <summary>The HTTP 413.</summary>
    public static SmtpResponse TooBig(long limit) =>
        new(SmtpReplyCode.SizeLimitExceeded, string.Create(CultureInfo.InvariantCulture, $"5.3.4 Message too big: the limit is {limit} bytes"));

    /// <summary>An RCPT TO address the API would refuse in <c>to</c>.</summary>
    public static SmtpResponse InvalidRecipient(string reason) => new((SmtpReplyCode)553, $"5.1.3 {OneLine(reason)}");

    /// <summary>The HTTP 400 for the message itself (its From field, the relay's X-EmailRelay-* fields), naming the field.</summary>
    public static SmtpResponse InvalidMessage(IReadOnlyDictionary<string, string[]> errors) =>
        new((SmtpReplyCode)554, "5.6.0 " + OneLine(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))));

    // A reply line must not carry CR or LF (they would end it) and should stay short.
    private static string OneLine(string text)
    {
        var line = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return line.Length <= 400 ? line : line[..397] + "...";
    }
}
