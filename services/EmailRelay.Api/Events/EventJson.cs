using System.Text.Json.Nodes;

namespace EmailRelay.Api.Events;

/// <summary>One timeline event as the API shows it: the fixed fields, then its details flattened in.</summary>
public static class EventJson
{
    public static JsonObject From(Guid id, int sequence, string type, string? recipient, DateTime occurredAt, string details)
    {
        var json = new JsonObject
        {
            ["id"] = id,
            ["sequence"] = sequence,
            ["type"] = type,
            ["recipient"] = recipient,
            ["occurred_at"] = DateTime.SpecifyKind(occurredAt, DateTimeKind.Utc),
        };
        if (JsonNode.Parse(details) is JsonObject fields)
        {
            foreach (var (key, value) in fields.ToList())
            {
                fields.Remove(key);
                json[key] = value;
            }
        }
        return json;
    }
}
