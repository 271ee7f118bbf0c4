namespace EmailRelay.Api.Emails;

/// <summary>One SMTP attempt for one recipient, the reply verbatim.</summary>
public sealed record AttemptDetails(
    string Recipient, int Attempt, DateTime StartedAt, string? RemoteHost, string? RemoteIp, bool Tls, int? ReplyCode,
    string? EnhancedCode, string? Reply, int DurationMs, string Outcome, bool Ambiguous);
