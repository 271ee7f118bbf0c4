namespace EmailRelay.Contracts;

/// <summary>Published after one SMTP transaction's outcomes are committed, for Tracking.</summary>
public sealed record DeliveryAttempted
{
    public required Guid MessageId { get; init; }
    public required DateTimeOffset AttemptedAt { get; init; }
    public required string? RemoteHost { get; init; }
    public required IReadOnlyList<RecipientOutcome> Recipients { get; init; }
}

public sealed record RecipientOutcome
{
    public required string Recipient { get; init; }
    /// <summary>delivered, deferred, bounced or failed.</summary>
    public required string Status { get; init; }
    public int? ReplyCode { get; init; }
    public string? EnhancedCode { get; init; }
    public string? Reply { get; init; }
    public string? BounceReason { get; init; }
    public bool Hard { get; init; }
    public int Attempt { get; init; }
}
