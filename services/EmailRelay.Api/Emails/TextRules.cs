using EmailRelay.Api.Http;

namespace EmailRelay.Api.Emails;

/// <summary>
/// What a string may hold: whatever passes can become a header, a UTF-8 byte, a PostgreSQL text
/// or jsonb value. Control characters inject headers; NUL and lone surrogates cannot be stored.
/// </summary>
public static class TextRules
{
    /// <summary>
    /// For anything that becomes a header or an envelope address: no control character but TAB
    /// (CR and LF would inject headers, NUL and the rest have no place in a header), no lone surrogate.
    /// </summary>
    public static bool CheckHeaderSafe(string value, string field, ValidationErrors errors)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && c != '\t')
            {
                errors.Add(field, "Control characters (CR, LF, NUL and the like) are not allowed here.");
                return false;
            }
        }
        if (HasUnpaired(value, controls: false))
        {
            errors.Add(field, "The text holds an unpaired UTF-16 surrogate, which is not a character.");
            return false;
        }
        return true;
    }

    /// <summary>Bodies may hold any character but NUL (PostgreSQL and SMTP DATA refuse it) and lone surrogates.</summary>
    public static void CheckBodyText(string? value, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            return;
        }
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(field, "NUL characters are not allowed.");
        }
        else if (HasUnpaired(value, controls: false))
        {
            errors.Add(field, "The text holds an unpaired UTF-16 surrogate, which is not a character.");
        }
    }

    /// <summary>
    /// True when <paramref name="value"/> holds a surrogate that is not half of a pair (or, with
    /// <paramref name="controls"/>, any control character but tab, CR and LF).
    /// </summary>
    public static bool HasUnpaired(string value, bool controls)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c) || (controls && char.IsControl(c) && c is not ('\t' or '\r' or '\n')))
            {
                return true;
            }
        }
        return false;
    }
}
