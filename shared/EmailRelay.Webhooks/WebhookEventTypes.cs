namespace EmailRelay.Webhooks;

/// <summary>
/// The event types an endpoint may subscribe to: the timeline's types (API.md §Tracking) and
/// <c>auto_replied</c>, the RFC 3834 auto-replies the bounce listener records. A payload's
/// <c>type</c> is <c>email.</c> + one of them.
/// </summary>
public static class WebhookEventTypes
{
    public const string PayloadPrefix = "email.";

    public static readonly IReadOnlyList<string> All =
        ["queued", "scheduled", "delivered", "deferred", "bounced", "failed", "suppressed", "complained", "auto_replied"];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);
}
