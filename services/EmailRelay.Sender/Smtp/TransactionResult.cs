using EmailRelay.Classification;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// What one SMTP transaction produced, before any decision: the replies per recipient, the reply
/// that ended the transaction (MAIL refused, or the final reply after DATA), or the transport
/// failure that cut it short.
/// </summary>
public sealed record TransactionResult(
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    string? RemoteHost,
    string? RemoteIp,
    bool Tls,
    IReadOnlyDictionary<string, SmtpReplyInfo> RecipientReplies,
    SmtpReplyInfo? TransactionReply,
    /// <summary>The transaction reply refused MAIL FROM: it speaks of the sender, never of a recipient's address.</summary>
    bool SenderRefused,
    TransportFailure? Failure,
    string? FailureDetail)
{
    /// <summary>
    /// No session could be opened: connecting failed, or the greeting, EHLO, STARTTLS or AUTH was
    /// refused (the refusal, if any, is <see cref="TransactionReply"/>). Nothing of the message was
    /// sent, so another host of the same destination may be tried at once.
    /// </summary>
    public bool ConnectFailed { get; init; }

    /// <summary>Set when the session ran in clear text after a failed STARTTLS handshake: why.</summary>
    public string? TlsFallback { get; init; }
}
