namespace EmailRelay.Data;

/// <summary>The states of one recipient, as stored and as the API shows them.</summary>
public static class RecipientStatus
{
    public const string Scheduled = "scheduled";
    public const string Queued = "queued";
    public const string Sending = "sending";
    public const string Deferred = "deferred";
    public const string Delivered = "delivered";
    public const string Bounced = "bounced";
    public const string Failed = "failed";
    public const string Suppressed = "suppressed";
}
