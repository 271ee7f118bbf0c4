namespace EmailRelay.Api.Emails;

/// <summary>
/// One SMTP attempt for one recipient, the reply verbatim. <see cref="TlsFallback"/>: why the
/// session was in clear text although TLS was wanted (a failed STARTTLS handshake retried without
/// TLS, where TLS was optional); null otherwise.
/// </summary>
public sealed record AttemptDetails(
    string Recipient, int Attempt, DateTime StartedAt, string? RemoteHost, string? RemoteIp, bool Tls, int? ReplyCode,
    string? EnhancedCode, string? Reply, int DurationMs, string Outcome, bool Ambiguous, string? TlsFallback);
