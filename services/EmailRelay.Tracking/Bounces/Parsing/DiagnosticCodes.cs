namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>The codes found in a diagnostic text: the basic reply code and the RFC 3463 enhanced code.</summary>
internal readonly record struct DiagnosticCodes(int? ReplyCode, string? EnhancedCode)
{
    /// <summary>
    /// Reads the codes a remote reply carries wherever a report put it: at the start ("550 5.1.1 …"),
    /// after a host ("host mx [192.0.2.1]: 550 …"), in a transcript ("&lt;&lt;&lt; 550 …"), quoted
    /// ("returned '550 5.1.1 …'"), or qmail-style at the end ("(#5.4.4)"). Numbers that only look
    /// like codes — IP addresses, versions, times, "4.16.55.1" — are not read.
    /// </summary>
    public static DiagnosticCodes Read(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return default;
        }

        var span = text.AsSpan();
        int? reply = null, anyReply = null;
        var replyEnd = -1;
        for (var i = 0; i + 3 <= span.Length; i++)
        {
            if (!IsReplyCodeAt(span, i))
            {
                continue;
            }

            var code = ((span[i] - '0') * 100) + ((span[i + 1] - '0') * 10) + (span[i + 2] - '0');
            var after = SkipBlanks(span, i + 3);
            var followedByCode = after < span.Length && (TryEnhancedAt(span, after, out _) || IsReplyCodeAt(span, after));
            if (!(IsLineStart(span, i) || followedByCode || IsAfterSeparator(span, i)))
            {
                continue;
            }

            // A transcript shows the 250s of the commands that worked before the failure: prefer a failure.
            if (code >= 400)
            {
                reply = code;
                replyEnd = i + 3;
                break;
            }

            anyReply ??= code;
            if (replyEnd < 0)
            {
                replyEnd = i + 3;
            }
        }

        reply ??= anyReply;
        var enhanced = EnhancedNear(span, replyEnd, reply) ?? FirstEnhanced(span, reply);
        return new DiagnosticCodes(reply, enhanced);
    }

    /// <summary>The enhanced code that directly follows the reply code ("550 5.1.1", "550-5.7.26", "550 550 5.1.1").</summary>
    private static string? EnhancedNear(ReadOnlySpan<char> span, int from, int? reply)
    {
        if (from < 0)
        {
            return null;
        }

        var pos = SkipBlanks(span, from);
        if (pos < span.Length && IsReplyCodeAt(span, pos))
        {
            pos = SkipBlanks(span, pos + 3);
        }

        return TryEnhancedAt(span, pos, out var code) && ClassAgrees(code, reply) ? code : null;
    }

    private static string? FirstEnhanced(ReadOnlySpan<char> span, int? reply)
    {
        string? first = null;
        for (var i = 0; i + 5 <= span.Length; i++)
        {
            if (span[i] is not ('2' or '4' or '5') || span[i + 1] != '.')
            {
                continue;
            }

            if (i > 0 && (char.IsLetterOrDigit(span[i - 1]) || span[i - 1] is '.' or '_' or '/'))
            {
                continue;
            }

            if (TryEnhancedAt(span, i, out var code))
            {
                if (ClassAgrees(code, reply))
                {
                    return code;
                }

                first ??= code;
            }
        }

        return reply is null ? first : null;
    }

    private static bool ClassAgrees(string code, int? reply) => reply is null || code[0] - '0' == reply / 100;

    private static bool TryEnhancedAt(ReadOnlySpan<char> span, int pos, out string code)
    {
        code = string.Empty;
        if (pos >= span.Length || span[pos] is not ('2' or '4' or '5') || pos + 1 >= span.Length || span[pos + 1] != '.')
        {
            return false;
        }

        var end = pos + 2;
        if (!ReadNumber(span, ref end) || end >= span.Length || span[end] != '.')
        {
            return false;
        }

        end++;
        if (!ReadNumber(span, ref end))
        {
            return false;
        }

        // A code is a word of its own: not "4.16.55.1", "5.1.1234" or "5.1.1x".
        if (end < span.Length && (char.IsLetterOrDigit(span[end]) || (span[end] == '.' && end + 1 < span.Length && char.IsAsciiDigit(span[end + 1]))))
        {
            return false;
        }

        code = span[pos..end].ToString();
        return true;
    }

    private static bool ReadNumber(ReadOnlySpan<char> span, ref int pos)
    {
        var start = pos;
        while (pos < span.Length && pos - start < 3 && char.IsAsciiDigit(span[pos]))
        {
            pos++;
        }

        return pos > start && (pos >= span.Length || !char.IsAsciiDigit(span[pos]));
    }

    /// <summary>Three digits, class 2, 4 or 5, standing alone: followed by a blank, '-', ',', ':' or the end.</summary>
    private static bool IsReplyCodeAt(ReadOnlySpan<char> span, int i)
    {
        if (i + 3 > span.Length || span[i] is not ('2' or '4' or '5') || !char.IsAsciiDigit(span[i + 1]) || !char.IsAsciiDigit(span[i + 2]))
        {
            return false;
        }

        if (i > 0 && (char.IsLetterOrDigit(span[i - 1]) || span[i - 1] is '.' or '-' or '_' or '/' or '+'))
        {
            return false;
        }

        return i + 3 == span.Length || span[i + 3] is ' ' or '\t' or '\r' or '\n' or '-' or ',' or ':' or '\'' or '"' or ')';
    }

    private static bool IsLineStart(ReadOnlySpan<char> span, int i)
    {
        var j = i - 1;
        while (j >= 0 && span[j] is ' ' or '\t' or '<' or '>' or '#' or '\'' or '"' or '(')
        {
            j--;
        }

        return j < 0 || span[j] is '\n' or '\r';
    }

    /// <summary>After "said:", "host x [ip]: ", "reason: ", "ERROR_CODE :" and the like.</summary>
    private static bool IsAfterSeparator(ReadOnlySpan<char> span, int i)
    {
        var j = i - 1;
        while (j >= 0 && span[j] is ' ' or '\t' or '\'' or '"' or '(' or '<' or '#')
        {
            j--;
        }

        if (j < 0)
        {
            return true;
        }

        if (span[j] == ':')
        {
            return true;
        }

        var before = span[..(j + 1)];
        return before.EndsWith("said", StringComparison.OrdinalIgnoreCase)
            || before.EndsWith("returned", StringComparison.OrdinalIgnoreCase)
            || before.EndsWith("reason", StringComparison.OrdinalIgnoreCase)
            || before.EndsWith("was", StringComparison.OrdinalIgnoreCase);
    }

    private static int SkipBlanks(ReadOnlySpan<char> span, int pos)
    {
        while (pos < span.Length && span[pos] is ' ' or '\t' or '\r' or '\n' or '-' or ':' or '\'' or '"')
        {
            pos++;
        }

        return pos;
    }
}
