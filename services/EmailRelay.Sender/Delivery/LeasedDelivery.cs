namespace EmailRelay.Sender.Delivery;

/// <summary>The recipients a sender now owns for one message, with what it needs to send to them.</summary>
public sealed record LeasedDelivery(
    Guid MessageId,
    Guid LeaseToken,
    DateTimeOffset LeasedUntil,
    string EnvelopeFrom,
    DateTimeOffset ExpiresAt,
    byte[] Mime,
    IReadOnlyList<LeasedRecipient> Recipients)
{
    /// <summary>The project that sent it: signing uses that project's verified domain's key, and no other's.</summary>
    public Guid ProjectId { get; init; }

    /// <summary>When the API accepted it (messages.created_at): the time of the Received trace field.</summary>
    public DateTimeOffset AcceptedAt { get; init; }
}

/// <summary>
/// A leased recipient, with the reply that last deferred it (if any) to explain an expiry, and
/// whether it was taken over from a sender whose lease lapsed mid-transaction.
/// </summary>
public sealed record LeasedRecipient(short Ordinal, string Address, int Attempts, int? LastReplyCode = null,
    string? LastEnhancedCode = null, string? LastReply = null, bool TakenOverFromLapsedLease = false);
