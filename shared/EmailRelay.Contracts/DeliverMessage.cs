namespace EmailRelay.Contracts;

/// <summary>
/// Asks a sender to deliver whatever recipients of the message are due. The command carries only
/// the id: PostgreSQL holds the truth, so a duplicate or stale command finds nothing to lease.
/// </summary>
public sealed record DeliverMessage
{
    public required Guid MessageId { get; init; }
}
