namespace EmailRelay.Data.Events;

/// <summary>The timeline's event types (API.md §Tracking), as stored in <c>events.type</c>.</summary>
public static class EventTypes
{
    public const string Queued = "queued";
    public const string Scheduled = "scheduled";
    public const string Delivered = "delivered";
    public const string Deferred = "deferred";
    public const string Bounced = "bounced";
    public const string Failed = "failed";
    public const string Suppressed = "suppressed";
    public const string Complained = "complained";

    /// <summary>An RFC 3834 auto-reply (out of office) came back: recorded, never a bounce.</summary>
    public const string AutoReplied = "auto_replied";

    public static readonly IReadOnlyList<string> All =
        [Queued, Scheduled, Delivered, Deferred, Bounced, Failed, Suppressed, Complained, AutoReplied];
}
