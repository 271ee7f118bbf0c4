using System.Globalization;

namespace EmailRelay.Api.Http;

/// <summary>
/// The query parameters list endpoints share, each checked and named in the errors when wrong.
/// Every value ends up in SQL, so a parameter given twice, or holding a character PostgreSQL
/// refuses (NUL) or no address or tag can hold (other controls), is a 400 here rather than a
/// database error later.
/// </summary>
public static class QueryParameters
{
    /// <summary>Longer than any address (254) or tag (64): a longer filter can match nothing.</summary>
    public const int MaxTextLength = 320;

    public static int Limit(IQueryCollection query, ValidationErrors errors, int defaultLimit = 50, int max = 100)
    {
        if (!Single(query, "limit", errors, out var value) || value is null)
        {
            return defaultLimit;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= max)
        {
            return limit;
        }
        errors.Add("limit", $"limit is an integer from 1 to {max}.");
        return defaultLimit;
    }

    /// <summary>The id a keyset page starts after, from <c>cursor</c>.</summary>
    public static Guid? After(IQueryCollection query, ValidationErrors errors)
    {
        if (!Single(query, "cursor", errors, out var value) || value is null)
        {
            return null;
        }
        if (Cursor.TryDecode(value, out var cursor))
        {
            return cursor;
        }
        errors.Add("cursor", "cursor is not one this API returned.");
        return null;
    }

    /// <summary>The <c>cursor</c> as given, for a list whose cursor is not an id.</summary>
    public static string? CursorText(IQueryCollection query, ValidationErrors errors) =>
        Single(query, "cursor", errors, out var value) ? value : null;

    public static DateTimeOffset? Time(IQueryCollection query, string field, ValidationErrors errors)
    {
        if (!Single(query, field, errors, out var value) || value is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            // Npgsql writes timestamptz only from UTC values; "+02:00" is a valid way to say the same instant.
            return parsed.ToUniversalTime();
        }
        errors.Add(field, $"{field} is an RFC 3339 time such as 2026-01-31T12:00:00Z.");
        return null;
    }

    public static string? OneOf(IQueryCollection query, string field, IReadOnlyCollection<string> allowed, ValidationErrors errors)
    {
        if (!Single(query, field, errors, out var value))
        {
            return null;
        }
        if (value is not null && !allowed.Contains(value))
        {
            errors.Add(field, $"{field} is one of {string.Join(", ", allowed)}.");
            return null;
        }
        return value;
    }

    /// <summary>A free-text filter (an address, a tag): at most <see cref="MaxTextLength"/> characters, no control characters.</summary>
    public static string? Text(IQueryCollection query, string field, ValidationErrors errors)
    {
        if (!Single(query, field, errors, out var value) || value is null)
        {
            return null;
        }
        if (value.Length > MaxTextLength || value.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
        {
            errors.Add(field, $"{field} is at most {MaxTextLength} characters without control characters.");
            return null;
        }
        return value;
    }

    /// <summary>False (and an error) when the parameter is repeated; a missing one is true with a null value.</summary>
    private static bool Single(IQueryCollection query, string field, ValidationErrors errors, out string? value)
    {
        var values = query[field];
        if (values.Count > 1)
        {
            errors.Add(field, $"{field} may be given once.");
            value = null;
            return false;
        }
        value = values.Count == 0 ? null : values[0];
        return true;
    }
}
