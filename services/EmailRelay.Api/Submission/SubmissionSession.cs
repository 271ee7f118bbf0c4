using System.Net;
using EmailRelay.Api.Auth;
using SmtpServer;
using SmtpServer.Net;

namespace EmailRelay.Api.Submission;

/// <summary>What the listener keeps in a session's properties: the caller its AUTH established.</summary>
public static class SubmissionSession
{
    private const string CallerKey = "emailrelay.caller";
    private const string RecipientCountKey = "emailrelay.rcpt-count";
    private const string CloseAfterReplyKey = "emailrelay.close-after-reply";

    public static void SetCaller(ISessionContext context, ApiCaller caller) => context.Properties[CallerKey] = caller;

    /// <summary>The authenticated caller, or null: checked again at MAIL, RCPT and DATA, never assumed.</summary>
    public static ApiCaller? Caller(ISessionContext context) =>
        context.Authentication.IsAuthenticated && context.Properties.TryGetValue(CallerKey, out var value) ? value as ApiCaller : null;

    public static string RemoteAddress(ISessionContext context) =>
        context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var endpoint) && endpoint is IPEndPoint ip
            ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString()
            : "unknown";

    /// <summary>The reply being written ends the session (<see cref="SessionInput"/> closes it).</summary>
    public static SmtpServer.Protocol.SmtpResponse CloseAfterReply(ISessionContext context, SmtpServer.Protocol.SmtpResponse reply)
    {
        context.Properties[CloseAfterReplyKey] = true;
        return reply;
    }

    public static bool ClosingAfterReply(ISessionContext context) => context.Properties.ContainsKey(CloseAfterReplyKey);

    public static void ResetRecipients(ISessionContext context) => context.Properties[RecipientCountKey] = 0;

    public static int AddRecipient(ISessionContext context)
    {
        var count = (context.Properties.TryGetValue(RecipientCountKey, out var value) && value is int n ? n : 0) + 1;
        context.Properties[RecipientCountKey] = count;
        return count;
    }

    public static int Recipients(ISessionContext context) =>
        context.Properties.TryGetValue(RecipientCountKey, out var value) && value is int n ? n : 0;
}
