using System.Globalization;
using EmailRelay.Api.Emails;

namespace EmailRelay.Api.Http;

/// <summary>The query parameters list endpoints share, each checked and named in the errors when wrong.</summary>
public static class QueryParameters
{
    public static int Limit(IQueryCollection query, ValidationErrors errors, int defaultLimit = 50, int max = 100)
    {
        if (query["limit"].Count == 0)
        {
            return defaultLimit;
        }
        if (int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= max)
        {
            return limit;
        }
        errors.Add("limit", $"limit is an integer from 1 to {max}.");
        return defaultLimit;
    }

    public static Guid? Cursor(IQueryCollection query, ValidationErrors errors)
    {
        if (query["cursor"].Count == 0)
        {
            return null;
        }
        if (Emails.Cursor.TryDecode(query["cursor"]!, out var cursor))
        {
            return cursor;
        }
        errors.Add("cursor", "cursor is not one this API returned.");
        return null;
    }

    public static DateTimeOffset? Time(IQueryCollection query, string field, ValidationErrors errors)
    {
        string? value = query[field];
        if (value is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed;
        }
        errors.Add(field, $"{field} is an RFC 3339 time such as 2026-01-31T12:00:00Z.");
        return null;
    }

    public static string? OneOf(IQueryCollection query, string field, IReadOnlyCollection<string> allowed, ValidationErrors errors)
    {
        string? value = query[field];
        if (value is not null && !allowed.Contains(value))
        {
            errors.Add(field, $"{field} is one of {string.Join(", ", allowed)}.");
            return null;
        }
        return value;
    }
}
