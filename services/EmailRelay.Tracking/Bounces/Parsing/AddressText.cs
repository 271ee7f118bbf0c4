using System.Text.RegularExpressions;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Finds mailbox addresses in report text, where they come bracketed, quoted, typed
/// ("rfc822; a@b") or run into prose. Deliberately looser than RFC 5321 (reports quote what
/// servers saw, not what is valid) and linear-time on any input.
/// </summary>
internal static class AddressText
{
    /// <summary>The pattern, also used as the <c>{addr}</c> macro in the vendor-text table.</summary>
    public const string Pattern =
        @"[A-Za-z0-9\p{L}!#$%&*+/=?^_`{|}~.'-]+@[A-Za-z0-9\p{L}](?:[A-Za-z0-9\p{L}-]*[A-Za-z0-9\p{L}])?(?:\.[A-Za-z0-9\p{L}](?:[A-Za-z0-9\p{L}-]*[A-Za-z0-9\p{L}])?)*";

    private static readonly Regex Address = new(Pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);

    /// <summary>The first address in <paramref name="text"/>, without brackets or a trailing dot; null if none.</summary>
    public static string? Find(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var match = Address.Match(text.Length > 2048 ? text[..2048] : text);
        return match.Success ? Tidy(match.Value) : null;
    }

    /// <summary>Every address in <paramref name="text"/>, in order, without duplicates (case-insensitive).</summary>
    public static List<string> FindAll(string? text, int limit)
    {
        List<string> found = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return found;
        }

        foreach (Match match in Address.Matches(text))
        {
            var address = Tidy(match.Value);
            if (!found.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                found.Add(address);
                if (found.Count >= limit)
                {
                    break;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// An address field value as reports write it ("rfc822; a@b", "&lt;a@b&gt;", "a@b (comment)"): the
    /// address; a bare local part ("kijitora", a local delivery) is kept as it is; null when empty.
    /// </summary>
    public static string? FromField(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var untyped = ReportFields.WithoutType(value);
        var found = Find(untyped);
        if (found is not null)
        {
            return found;
        }

        var bare = untyped.Trim().Trim('<', '>', '"', '\'').Trim();
        return bare.Length is > 0 and <= 254 && !bare.AsSpan().ContainsAny(" \t\r\n<>\"") ? bare : null;
    }

    private static string Tidy(string address) => address.Trim('.', '\'', '`', '-');
}
