using EmailRelay.Api.Http;
using TimelineEvents = EmailRelay.Data.Events.EventTypes;
using EmailRelay.Webhooks;

namespace EmailRelay.Api.Webhooks;

/// <summary>
/// What an endpoint's fields may be, for create and update alike; each error names its field. An
/// endpoint subscribes to any of the timeline's event types (<see cref="TimelineEvents"/>).
/// </summary>
public static class WebhookRules
{
    public const int MaxDescriptionLength = 500;

    public static Uri? Url(string? url, bool allowHttp, ValidationErrors errors)
    {
        var uri = WebhookUrlRules.Parse(url, allowHttp, out var error);
        if (uri is null)
        {
            errors.Add("url", error!);
        }
        return uri;
    }

    public static string[]? EventTypes(List<string?>? types, ValidationErrors errors)
    {
        var known = string.Join(", ", TimelineEvents.All);
        if (types is null || types.Count == 0)
        {
            errors.Add("event_types", $"At least one event type is required: {known}.");
            return null;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ok = true;
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] is not { } type || !TimelineEvents.All.Contains(type, StringComparer.Ordinal))
            {
                errors.Add($"event_types[{i}]", $"Unknown event type; known types are {known}.");
                ok = false;
            }
            else if (!seen.Add(type))
            {
                errors.Add($"event_types[{i}]", $"'{type}' is listed twice.");
                ok = false;
            }
        }
        return ok ? [.. types!] : null;
    }

    public static string? Description(string? description, ValidationErrors errors)
    {
        if (description is null)
        {
            return null;
        }
        if (description.Length > MaxDescriptionLength || description.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
        {
            errors.Add("description", $"At most {MaxDescriptionLength} characters without control characters.");
            return null;
        }
        return description;
    }
}
