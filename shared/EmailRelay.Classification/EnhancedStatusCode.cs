namespace EmailRelay.Classification;

/// <summary>
/// A parsed RFC 3463 status code (class.subject.detail). A value type so that classifying a
/// reply reads the code without allocating.
/// </summary>
internal readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    /// <summary>
    /// Parses a code at the very start of <paramref name="text"/>: class 2, 4 or 5, then a
    /// subject and a detail of one to three digits each. The code must end there — at the end of
    /// the text or before a blank or punctuation — so "5.1.1234", "5.1.1.2" and "5.1.1x" are not
    /// read as 5.1.1.
    /// </summary>
    public static bool TryParsePrefix(ReadOnlySpan<char> text, out EnhancedStatusCode code, out int length)
    {
        code = default;
        length = 0;
        if (text.Length < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        {
            return false;
        }

        var pos = 2;
        if (!TryReadNumber(text, ref pos, out var subject) || pos >= text.Length || text[pos] != '.')
        {
            return false;
        }

        pos++;
        if (!TryReadNumber(text, ref pos, out var detail))
        {
            return false;
        }

        // A code is a word of its own: a fourth digit, a letter, or ".<digit>" (a fourth
        // component) means this is something else, e.g. a version number or an identifier.
        if (pos < text.Length)
        {
            var next = text[pos];
            if (char.IsLetterOrDigit(next) || (next == '.' && pos + 1 < text.Length && char.IsAsciiDigit(text[pos + 1])))
            {
                return false;
            }
        }

        code = new EnhancedStatusCode(text[0] - '0', subject, detail);
        length = pos;
        return true;
    }

    /// <summary>Parses a whole string that should be nothing but a code (surrounding blanks allowed).</summary>
    public static bool TryParse(string? value, out EnhancedStatusCode code)
    {
        var span = value.AsSpan().Trim();
        return TryParsePrefix(span, out code, out var length) && length == span.Length;
    }

    private static bool TryReadNumber(ReadOnlySpan<char> text, ref int pos, out int value)
    {
        value = 0;
        var start = pos;
        while (pos < text.Length && pos - start < 3 && char.IsAsciiDigit(text[pos]))
        {
            value = (value * 10) + (text[pos] - '0');
            pos++;
        }

        return pos > start;
    }

    public override string ToString() => $"{Class}.{Subject}.{Detail}";
}
