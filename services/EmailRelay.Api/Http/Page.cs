using System.Text.Json.Serialization;

namespace EmailRelay.Api.Http;

/// <summary>One keyset page of a list; <c>next_cursor</c> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, [property: JsonPropertyName("next_cursor")] string? NextCursor);

/// <summary>Keyset lists read one row more than a page: its presence says another page follows.</summary>
public static class KeysetPage
{
    /// <summary>
    /// Drops the extra row from <paramref name="rows"/> (read with limit + 1) and returns the cursor
    /// of the last row kept, or null when this is the last page.
    /// </summary>
    public static string? TrimToPage<T>(List<T> rows, int limit, Func<T, string> cursor)
    {
        if (rows.Count <= limit)
        {
            return null;
        }
        rows.RemoveRange(limit, rows.Count - limit);
        return cursor(rows[^1]);
    }
}
