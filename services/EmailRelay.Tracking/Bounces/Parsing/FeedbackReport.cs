namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>The machine-readable part of a complaint (RFC 5965 message/feedback-report, or a provider's equivalent).</summary>
public sealed record FeedbackReport
{
    /// <summary>abuse, fraud, virus, not-spam, auth-failure, other … as sent (lower case); "unsubscribe" for mailed unsubscribe requests.</summary>
    public string? FeedbackType { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>The envelope sender of the reported message (Original-Mail-From).</summary>
    public string? OriginalMailFrom { get; init; }

    /// <summary>The envelope recipients of the reported message (Original-Rcpt-To), in report order.</summary>
    public IReadOnlyList<string> OriginalRcptTo { get; init; } = [];

    /// <summary>The IP address the reported message came from (Source-IP).</summary>
    public string? SourceIp { get; init; }

    public DateTimeOffset? ArrivalDate { get; init; }
}
