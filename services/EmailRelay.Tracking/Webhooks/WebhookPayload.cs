using System.Text.Json;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// The body of a webhook (API.md §Webhooks): <c>{"type": "email.&lt;type&gt;", "timestamp", "data"}</c>.
/// <c>data</c> holds the event as <c>GET /v1/events</c> shows it — its fixed fields, then its
/// details flattened in — except that the fields every receiver reads (reply and bounce fields,
/// attempt) are always present, null when the event has none, and it ends with the email's tags
/// and metadata. <c>timestamp</c> is when the event occurred, so the body never changes between
/// attempts; when the attempt was made is the <c>webhook-timestamp</c> header.
/// </summary>
public static class WebhookPayload
{
    /// <summary>A payload's <c>type</c> is this + the event type (API.md §Webhooks).</summary>
    public const string TypePrefix = "email.";

    private static readonly string[] AlwaysPresent = ["reply_code", "enhanced_code", "reply", "bounce_reason", "hard", "attempt"];
    private static readonly HashSet<string> Written = ["event_id", "email_id", "sequence", "recipient", .. AlwaysPresent, "tags", "metadata"];

    public static byte[] Build(string eventType, Guid eventId, Guid emailId, WebhookEvent e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            using var details = JsonDocument.Parse(e.Details);
            using var metadata = JsonDocument.Parse(e.Metadata);
            json.WriteStartObject();
            json.WriteString("type", TypePrefix + eventType);
            json.WriteString("timestamp", e.OccurredAt.UtcDateTime);
            json.WriteStartObject("data");
            json.WriteString("event_id", eventId);
            json.WriteString("email_id", emailId);
            json.WriteNumber("sequence", e.Sequence);
            json.WriteString("recipient", e.Recipient);
            var fields = details.RootElement.ValueKind == JsonValueKind.Object ? details.RootElement : default;
            foreach (var name in AlwaysPresent)
            {
                json.WritePropertyName(name);
                if (fields.ValueKind == JsonValueKind.Object && fields.TryGetProperty(name, out var value))
                {
                    value.WriteTo(json);
                }
                else
                {
                    json.WriteNullValue();
                }
            }
            if (fields.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in fields.EnumerateObject().Where(f => !Written.Contains(f.Name)))
                {
                    field.WriteTo(json);
                }
            }
            json.WriteStartArray("tags");
            foreach (var tag in e.Tags)
            {
                json.WriteStringValue(tag);
            }
            json.WriteEndArray();
            json.WritePropertyName("metadata");
            metadata.RootElement.WriteTo(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
