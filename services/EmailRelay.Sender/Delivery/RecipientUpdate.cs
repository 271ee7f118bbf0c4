using EmailRelay.Classification;

namespace EmailRelay.Sender.Delivery;

/// <summary>The decided new state of one recipient after an attempt, and the event that records it.</summary>
public sealed record RecipientUpdate(
    short Ordinal,
    string Address,
    int Attempt,
    string Status,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    int? ReplyCode,
    string? EnhancedCode,
    string? Reply,
    BounceReason? Reason,
    bool Hard,
    bool Ambiguous,
    /// <summary>Whether an SMTP attempt was made; a recipient expired before its turn has none.</summary>
    bool Attempted)
{
    public string Outcome => Status switch
    {
        "delivered" => "delivered",
        "bounced" => "bounced",
        _ => "deferred",
    };
}
