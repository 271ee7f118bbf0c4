namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>The codes found in a diagnostic text: the basic reply code and the RFC 3463 enhanced code.</summary>
/// <param name="ReplyCode">The remote server's reply code.</param>
/// <param name="EnhancedCode">The RFC 3463 code, preferably the one the reply carries.</param>
/// <param name="ReplyStart">Where the remote reply starts in the text (its reply code), or -1.</param>
/// <param name="EnhancedCodeIsLoose">
/// The enhanced code was not found where a reply carries it (after the reply code or at the start)
/// but elsewhere in the text, as qmail appends "(#5.1.1)" to any failure: a hint, not a verdict.
/// </param>
internal readonly record struct DiagnosticCodes(int? ReplyCode, string? EnhancedCode, int ReplyStart, bool EnhancedCodeIsLoose = false)
{
    private const int MaxLabelLength = 24;

    /// <summary>
    /// The remote server's own words: the text from its reply code on, without the reporting
    /// MTA's narration before it ("Google tried to deliver your message, but it was rejected…").
    /// </summary>
    public string? RemoteReply(string? text) => text is not null && ReplyStart > 0 ? text[ReplyStart..] : text;

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
            return new DiagnosticCodes(null, null, -1);
        }

        var span = text.AsSpan();
        int? reply = null, anyReply = null;
        var replyEnd = -1;
        var replyStart = -1;
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
                (replyStart, replyEnd) = (i, i + 3);
                break;
            }

            anyReply ??= code;
            if (replyEnd < 0)
            {
                (replyStart, replyEnd) = (i, i + 3);
            }
        }

        reply ??= anyReply;
        var near = EnhancedNear(span, replyEnd, reply) ?? EnhancedNear(span, 0, reply);
        return near is not null
            ? new DiagnosticCodes(reply, near, replyStart)
            : new DiagnosticCodes(reply, FirstEnhanced(span, reply), replyStart, EnhancedCodeIsLoose: true);
    }

    /// <summary>The enhanced code that directly follows the reply code ("550 5.1.1", "550-5.7.26", "550 550 5.1.1").</summary>
    private static string? EnhancedNear(ReadOnlySpan<char> span, int from, int? reply)
    {
        if (from < 0)
        {
            return null;
        }

        var pos = from == 0 ? 0 : SkipBlanks(span, from);
        while (pos < span.Length && char.IsWhiteSpace(span[pos]))
        {
            pos++;
        }

        if (pos < span.Length && IsReplyCodeAt(span, pos))
        {
            pos = SkipBlanks(span, pos + 3);
        }

        if (TryEnhancedAt(span, pos, out var code) && ClassAgrees(code, reply))
        {
            return code;
        }

        // Some servers put a label between the two ("550, ERROR_CODE :5.2.1"): a code a few
        // characters on, on the same line, still belongs to the reply.
        if (from > 0)
        {
            var end = Math.Min(span.Length, from + MaxLabelLength);
            for (var i = from; i < end && span[i] is not ('\r' or '\n'); i++)
            {
                if (IsCodeStart(span, i) && TryEnhancedAt(span, i, out code) && ClassAgrees(code, reply))
                {
                    return code;
                }
            }
        }

        return null;
    }

    private static bool IsCodeStart(ReadOnlySpan<char> span, int i) =>
        span[i] is '2' or '4' or '5' && (i == 0 || !(char.IsLetterOrDigit(span[i - 1]) || span[i - 1] is '.' or '_' or '/' or '#'));

    private static string? FirstEnhanced(ReadOnlySpan<char> span, int? reply)
    {
        string? first = null;
        for (var i = 0; i + 5 <= span.Length; i++)
        {
            if (span[i + 1] != '.' || !(IsCodeStart(span, i) || (i > 0 && span[i - 1] == '#')))
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
