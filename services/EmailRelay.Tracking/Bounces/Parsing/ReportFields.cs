namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Reads the field syntax shared by message/delivery-status (RFC 3464 §2.1) and
/// message/feedback-report (RFC 5965 §3.1): "Name: value" lines, continuation lines that start
/// with a blank, groups separated by blank lines. Lines that are not fields (prose around fields
/// pasted into a text part) are skipped, so the same reader serves mislabelled parts.
/// </summary>
internal static class ReportFields
{
    private const int MaxNameLength = 64;
    private const int MaxValueLength = 4096;

    public static List<List<ReportField>> ReadGroups(string text, int maxFields = 4096)
    {
        List<List<ReportField>> groups = [];
        List<ReportField> current = [];
        string? name = null;
        System.Text.StringBuilder value = new();
        var count = 0;

        void EndField()
        {
            if (name is not null)
            {
                current.Add(new ReportField(name, value.ToString().Trim()));
                name = null;
                value.Clear();
            }
        }

        void EndGroup()
        {
            EndField();
            if (current.Count > 0)
            {
                groups.Add(current);
                current = [];
            }
        }

        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan()[range].TrimEnd('\r');
            if (line.IsWhiteSpace())
            {
                EndGroup();
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                // Kept on lines of their own: a multi-line reply repeats its codes on each line,
                // and the classifier reads "550-5.7.0 …potential\n550-5.7.0 security issue" whole.
                if (name is not null && value.Length < MaxValueLength)
                {
                    value.Append('\n').Append(line.Trim());
                }

                continue;
            }

            EndField();
            var colon = line.IndexOf(':');
            if (colon <= 0 || colon > MaxNameLength || !IsFieldName(line[..colon]))
            {
                continue;
            }

            if (++count > maxFields)
            {
                break;
            }

            name = line[..colon].ToString();
            var rest = line[(colon + 1)..].Trim();
            value.Append(rest.Length > MaxValueLength ? rest[..MaxValueLength] : rest);
        }

        EndGroup();
        return groups;
    }

    /// <summary>Whether the text opens with a report field ("Reporting-MTA: …"): a delivery-status part under another label.</summary>
    public static bool StartsWithField(string text)
    {
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan()[range].Trim();
            if (!line.IsEmpty)
            {
                var colon = line.IndexOf(':');
                return colon > 0 && colon <= MaxNameLength && IsFieldName(line[..colon]) && line[..colon].IndexOf('-') > 0;
            }
        }

        return false;
    }

    /// <summary>The value after an RFC 3464 type prefix ("rfc822; a@b", "smtp; 550 …", "dns; mx.example"), trimmed.</summary>
    public static string WithoutType(string value) => Split(value).Value;

    /// <summary>The RFC 3464 type prefix of a value, lower case, or null when it has none.</summary>
    public static string? TypeOf(string value) => Split(value).Type;

    private static (string? Type, string Value) Split(string value)
    {
        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        if (semicolon > 0 && semicolon <= 16 && IsFieldName(value.AsSpan(0, semicolon).Trim()))
        {
            return (value[..semicolon].Trim().ToLowerInvariant(), value[(semicolon + 1)..].Trim());
        }

        return (null, value.Trim());
    }

    private static bool IsFieldName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }
}
