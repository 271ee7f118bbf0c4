using EmailRelay.Classification;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>What a report says about one recipient, classified by the shared <see cref="ReplyClassifier"/>.</summary>
public sealed record BounceRecipient
{
    /// <summary>The address the report names (Final-Recipient, or the address in the vendor's text); null if it names none.</summary>
    public string? Address { get; init; }

    /// <summary>The address as we gave it in RCPT TO (Original-Recipient, Original-Rcpt-To), when the report repeats it.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>The reporting MTA's verdict; null where the format does not say (complaints, auto-replies).</summary>
    public DsnAction? Action { get; init; }

    /// <summary>The RFC 3463 code: received in the report, or derived when <see cref="StatusDerived"/> (null for complaints and auto-replies).</summary>
    public string? Status { get; init; }

    /// <summary>The report carried no enhanced code; <see cref="Status"/> was derived from the reason and class.</summary>
    public bool StatusDerived { get; init; }

    /// <summary>The remote server's basic reply code, when the report carries one.</summary>
    public int? ReplyCode { get; init; }

    /// <summary>The remote reply or the reporting MTA's explanation, whitespace collapsed and bounded.</summary>
    public string? Diagnostic { get; init; }

    /// <summary>The server that produced the diagnostic (Remote-MTA without its type).</summary>
    public string? RemoteMta { get; init; }

    public DateTimeOffset? LastAttemptDate { get; init; }

    /// <summary>Set on delay notices: until when the reporting MTA keeps trying.</summary>
    public DateTimeOffset? WillRetryUntil { get; init; }

    /// <summary>Delivered, deferred (the remote still tries) or bounced; null for complaints and auto-replies, which report on a delivered message.</summary>
    public DeliveryOutcome? Outcome { get; init; }

    /// <summary>The bounce reason (DESIGN.md §4), <c>feedback</c> for a complaint, <c>vacation</c> for an auto-reply; null when delivered.</summary>
    public BounceReason? Reason { get; init; }

    /// <summary>Suppress the address (a hard bounce); null when the report is not about a failure.</summary>
    public bool? Hard { get; init; }

    /// <summary>The reason's wire name, or "delivered" for a success notice; null when neither is known.</summary>
    public string? ReasonName => Reason?.ToSnakeCase() ?? (Outcome == DeliveryOutcome.Delivered ? "delivered" : null);
}
