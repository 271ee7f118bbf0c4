using System.Text.RegularExpressions;

namespace EmailRelay.Classification;

/// <summary>
/// Reads the tab-separated rules table (format documented at the top of Rules/bounce-rules.tsv).
/// Strict on purpose: a typo in an operator's table must stop the service at start-up with the
/// line number, not silently misclassify mail for weeks.
/// </summary>
internal sealed class RulesTable
{
    // Regexes run on text chosen by remote servers; a pathological pattern/input pair must not
    // stall a sender thread. A timed-out row is treated as "no match".
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private const RegexOptions TextOptions =
        RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    private RulesTable(string version, Rule[] enhanced, Rule[] text, Rule[] generic, Rule[] reply)
    {
        Version = version;
        Enhanced = enhanced;
        Text = text;
        Generic = generic;
        Reply = reply;
    }

    public string Version { get; }

    public Rule[] Enhanced { get; }

    public Rule[] Text { get; }

    public Rule[] Generic { get; }

    public Rule[] Reply { get; }

    public int Count => Enhanced.Length + Text.Length + Generic.Length + Reply.Length;

    public static RulesTable Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);

        string? version = null;
        List<Rule> enhanced = [], text = [], generic = [], reply = [];
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed[0] == '#')
            {
                var header = ReadVersionHeader(trimmed, lineNumber);
                if (header is not null)
                {
                    if (version is not null)
                    {
                        throw new RulesFormatException(lineNumber, "a second '# version:' line; a table has exactly one version");
                    }

                    version = header;
                }

                continue;
            }

            var fields = line.Split('\t');
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = fields[i].Trim();
            }

            // An optional column-header row helps spreadsheet users; it carries no rule.
            if (string.Equals(fields[0], "kind", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rule = ParseRow(fields, lineNumber);
            (rule.Kind switch
            {
                RuleKind.Enhanced => enhanced,
                RuleKind.Text => text,
                RuleKind.Generic => generic,
                _ => reply,
            }).Add(rule);
        }

        if (version is null)
        {
            throw new RulesFormatException(0, "missing the '# version: N' header line (it identifies which rules classified an attempt)");
        }

        return new RulesTable(version, [.. enhanced], [.. text], [.. generic], [.. reply]);
    }

    private static string? ReadVersionHeader(string comment, int lineNumber)
    {
        var body = comment.AsSpan(1).Trim();
        const string Prefix = "version:";
        if (!body.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var value = body[Prefix.Length..].Trim();
        if (value.IsEmpty || value.ContainsAny(" \t"))
        {
            throw new RulesFormatException(lineNumber, "the version header must be '# version: <one word>', e.g. '# version: 1'");
        }

        return value.ToString();
    }

    private static Rule ParseRow(string[] fields, int lineNumber)
    {
        if (fields.Length is < 3 or > 4)
        {
            throw new RulesFormatException(lineNumber, $"expected 3 or 4 tab-separated columns (kind, pattern, reason, optional outcome) but found {fields.Length}");
        }

        var (kindText, pattern, reasonText) = (fields[0], fields[1], fields[2]);
        var overrideText = fields.Length == 4 ? fields[3] : string.Empty;

        RuleKind kind = kindText switch
        {
            "enhanced" => RuleKind.Enhanced,
            "text" => RuleKind.Text,
            "generic" => RuleKind.Generic,
            "reply" => RuleKind.Reply,
            _ => throw new RulesFormatException(lineNumber, $"unknown kind '{kindText}' (expected enhanced, text, generic or reply)"),
        };

        if (pattern.Length == 0)
        {
            throw new RulesFormatException(lineNumber, "the pattern column is empty");
        }

        if (!BounceReasonNames.TryParse(reasonText, out var reason))
        {
            throw new RulesFormatException(lineNumber, $"unknown reason '{reasonText}' (expected a snake_case name such as user_unknown)");
        }

        DeliveryOutcome? outcome = overrideText switch
        {
            "" => null,
            "deferred" => DeliveryOutcome.Deferred,
            "bounced" => DeliveryOutcome.Bounced,
            _ => throw new RulesFormatException(lineNumber, $"unknown outcome override '{overrideText}' (expected deferred, bounced or empty)"),
        };

        switch (kind)
        {
            case RuleKind.Enhanced or RuleKind.Generic:
                if (!EnhancedCodePattern.TryParse(pattern, out var code, out var error))
                {
                    throw new RulesFormatException(lineNumber, error);
                }

                return new Rule { Kind = kind, LineNumber = lineNumber, Reason = reason, OutcomeOverride = outcome, Code = code };

            case RuleKind.Text:
                Regex regex;
                try
                {
                    regex = new Regex(pattern, TextOptions, MatchTimeout);
                }
                catch (ArgumentException ex)
                {
                    throw new RulesFormatException(lineNumber, $"invalid regular expression '{pattern}': {ex.Message}", ex);
                }

                return new Rule { Kind = kind, LineNumber = lineNumber, Reason = reason, OutcomeOverride = outcome, Text = regex };

            default:
                if (pattern.Length != 3 || (pattern[0] != '4' && pattern[0] != '5')
                    || !char.IsAsciiDigit(pattern[1]) || !char.IsAsciiDigit(pattern[2]))
                {
                    throw new RulesFormatException(lineNumber, $"reply pattern '{pattern}' must be a 4yz or 5yz reply code such as 552");
                }

                var replyCode = ((pattern[0] - '0') * 100) + ((pattern[1] - '0') * 10) + (pattern[2] - '0');
                return new Rule { Kind = kind, LineNumber = lineNumber, Reason = reason, OutcomeOverride = outcome, ReplyCode = replyCode };
        }
    }
}
