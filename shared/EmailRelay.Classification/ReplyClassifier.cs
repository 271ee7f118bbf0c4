using System.Text;
using System.Text.RegularExpressions;

namespace EmailRelay.Classification;

/// <summary>
/// Decides what an SMTP outcome means (DESIGN.md §4). The outcome comes from the reply class;
/// the reason comes from the rules table: a specific enhanced status code first, then the reply
/// text, then a generic enhanced code, then the basic reply code.
/// Immutable and thread-safe: build one and share it.
/// </summary>
public sealed partial class ReplyClassifier
{
    private const string DefaultResourceSuffix = "bounce-rules.tsv";

    private static readonly Lazy<ReplyClassifier> LazyDefault = new(LoadDefault);

    // Cached results: the common outcomes are returned without allocating.
    private static readonly Classification Delivered = new(DeliveryOutcome.Delivered, null, Hard: false, Ambiguous: false);
    private static readonly Classification DeferredNetwork = Deferred(BounceReason.NetworkError);
    private static readonly Classification DeferredAmbiguous = new(DeliveryOutcome.Deferred, BounceReason.NetworkError, Hard: false, Ambiguous: true);
    private static readonly Classification DeferredStarttls = Deferred(BounceReason.FailedStarttls);
    private static readonly Classification DeferredSystem = Deferred(BounceReason.SystemError);
    private static readonly Classification BouncedHostUnknown = new(DeliveryOutcome.Bounced, BounceReason.HostUnknown, Hard: true, Ambiguous: false);
    private static readonly Classification[] DeferredByReason = BuildCache(DeliveryOutcome.Deferred, hard: false);
    private static readonly Classification[] BouncedByReason = BuildCache(DeliveryOutcome.Bounced, hard: false);
    private static readonly Classification[] HardBouncedByReason = BuildCache(DeliveryOutcome.Bounced, hard: true);

    private readonly RulesTable table;

    private ReplyClassifier(RulesTable table) => this.table = table;

    /// <summary>The classifier built from the rules table shipped in this assembly.</summary>
    public static ReplyClassifier Default => LazyDefault.Value;

    /// <summary>The "# version:" of the table in use; record it with each attempt so a result can be reproduced.</summary>
    public string RulesVersion => table.Version;

    /// <summary>Number of rule rows loaded (all kinds).</summary>
    public int RuleCount => table.Count;

    /// <summary>Builds a classifier from an operator-supplied table in the same format as the embedded one.</summary>
    /// <exception cref="RulesFormatException">The table is invalid; the message names the line.</exception>
    public static ReplyClassifier Load(TextReader rules) => new(RulesTable.Parse(rules));

    /// <summary>Classifies the reply that ended a transaction for one recipient (RCPT or end of DATA).</summary>
    /// <param name="replyCode">The three-digit reply code.</param>
    /// <param name="enhancedCode">The RFC 3463 code if already split off; when null or malformed it is read from the start of <paramref name="replyText"/>.</param>
    /// <param name="replyText">The reply text as received (multi-line replies joined).</param>
    public Classification ClassifyReply(int replyCode, string? enhancedCode, string replyText)
    {
        // Success is by far the commonest case: decided by the class alone, no parsing, no allocation.
        if (replyCode is >= 200 and <= 299)
        {
            return Delivered;
        }

        // A 1yz/3yz (or nonsense) where a completion reply was due means the conversation is out of
        // step. Nothing permanent can be concluded, so retry; the text is not trusted for a reason.
        if (replyCode is < 400 or > 599)
        {
            return DeferredSystem;
        }

        var rule = FindRule(replyCode, enhancedCode, replyText ?? string.Empty);
        var reason = rule?.Reason ?? BounceReason.Undefined;
        var outcome = rule?.OutcomeOverride ?? (replyCode >= 500 ? DeliveryOutcome.Bounced : DeliveryOutcome.Deferred);
        return Make(outcome, reason, replyCode);
    }

    /// <summary>Classifies a failure where no reply decided the outcome.</summary>
    public Classification ClassifyTransportFailure(TransportFailure failure) => failure switch
    {
        TransportFailure.ConnectionRefused or TransportFailure.ConnectionReset or TransportFailure.Timeout
            or TransportFailure.DnsFailure => DeferredNetwork,
        TransportFailure.TimeoutAfterData => DeferredAmbiguous,

        // NXDOMAIN and null MX are authoritative answers about the recipient domain: retrying cannot help.
        TransportFailure.HostNotFound => BouncedHostUnknown,

        // TLS trouble is ours or the path's, never the recipient's fault. Optional TLS: the sender
        // may retry in clear. Required TLS: an operator-configuration problem; keep retrying until
        // the queue lifetime expires rather than bounce mail the operator can still rescue.
        TransportFailure.TlsFailure or TransportFailure.TlsRequiredButUnavailable => DeferredStarttls,

        // A remote that breaks the protocol is a remote fault that may be fixed: retry.
        TransportFailure.ProtocolError => DeferredSystem,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, "Not a defined transport failure."),
    };

    /// <summary>
    /// The reason alone, for deferrals and for DSN parsing where there may be no reply code.
    /// Returns <see cref="BounceReason.Undefined"/> when no rule matches.
    /// </summary>
    public BounceReason ReasonFor(int? replyCode, string? enhancedCode, string text) =>
        FindRule(replyCode, enhancedCode, text ?? string.Empty)?.Reason ?? BounceReason.Undefined;

    /// <summary>
    /// Reads the RFC 3463 code at the start of a reply text, after an optional basic reply code:
    /// "5.1.1 No such user" and "550-5.1.1 The email account…" both give "5.1.1". Null if absent.
    /// </summary>
    public static string? ExtractEnhancedCode(string replyText)
    {
        var span = LeadingCode(replyText.AsSpan(), out var length);
        return length == 0 ? null : span[..length].ToString();
    }

    /// <summary>True when the code alone decides the reason (it matches an "enhanced" row, not a "generic" one).</summary>
    internal bool IsDecisiveCode(string enhancedCode) =>
        EnhancedStatusCode.TryParse(enhancedCode, out var code) && FirstCodeMatch(table.Enhanced, code) is not null;

    private Rule? FindRule(int? replyCode, string? enhancedCode, string text)
    {
        var hasCode = EnhancedStatusCode.TryParse(enhancedCode, out var code)
            || EnhancedStatusCode.TryParsePrefix(LeadingCode(text.AsSpan(), out _), out code, out _);

        if (hasCode && FirstCodeMatch(table.Enhanced, code) is { } specific)
        {
            return specific;
        }

        if (text.Length > 0)
        {
            var flat = JoinContinuationLines(text);
            foreach (var rule in table.Text)
            {
                if (IsMatch(rule.Text!, flat))
                {
                    return rule;
                }
            }
        }

        if (hasCode && FirstCodeMatch(table.Generic, code) is { } generic)
        {
            return generic;
        }

        if (replyCode is { } reply)
        {
            foreach (var rule in table.Reply)
            {
                if (rule.ReplyCode == reply)
                {
                    return rule;
                }
            }
        }

        return null;
    }

    private static Rule? FirstCodeMatch(Rule[] rules, EnhancedStatusCode code)
    {
        foreach (var rule in rules)
        {
            if (rule.Code.Matches(code))
            {
                return rule;
            }
        }

        return null;
    }

    private static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            // Hostile or pathological input: skip the row rather than fail the delivery pipeline.
            return false;
        }
    }

    /// <summary>Skips blanks and an optional "550 " / "550-" prefix, then measures the enhanced code there (0 if none).</summary>
    private static ReadOnlySpan<char> LeadingCode(ReadOnlySpan<char> text, out int length)
    {
        var span = text.TrimStart();
        if (span.Length >= 4 && char.IsAsciiDigit(span[0]) && char.IsAsciiDigit(span[1]) && char.IsAsciiDigit(span[2])
            && (span[3] == '-' || char.IsWhiteSpace(span[3])))
        {
            span = span[4..].TrimStart();
        }

        if (!EnhancedStatusCode.TryParsePrefix(span, out _, out length))
        {
            length = 0;
        }

        return span;
    }

    /// <summary>
    /// Multi-line replies repeat the codes on every line ("550-5.7.0 …presents a potential\n550 5.7.0
    /// security issue"), which would split phrases the text rules look for. Rejoin the lines
    /// without their codes. Single-line replies (the usual case) are returned as they are.
    /// </summary>
    private static string JoinContinuationLines(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var all = text.AsSpan();
        foreach (var range in all.SplitAny('\r', '\n'))
        {
            var line = LeadingCode(all[range], out var codeLength)[codeLength..].Trim();
            if (!line.IsEmpty)
            {
                builder.Append(builder.Length == 0 ? "" : " ").Append(line);
            }
        }

        return builder.ToString();
    }

    private static Classification Make(DeliveryOutcome outcome, BounceReason reason, int replyCode)
    {
        if (outcome == DeliveryOutcome.Deferred)
        {
            return DeferredByReason[(int)reason];
        }

        if (outcome == DeliveryOutcome.Delivered)
        {
            return Delivered;
        }

        var hard = reason is BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.HasMoved
            || (reason == BounceReason.NotAccept && replyCode is >= 500 and <= 599);
        return (hard ? HardBouncedByReason : BouncedByReason)[(int)reason];
    }

    private static Classification Deferred(BounceReason reason) => new(DeliveryOutcome.Deferred, reason, Hard: false, Ambiguous: false);

    private static Classification[] BuildCache(DeliveryOutcome outcome, bool hard) =>
        [.. Enum.GetValues<BounceReason>().Select(r => new Classification(outcome, r, hard, Ambiguous: false))];

    private static ReplyClassifier LoadDefault()
    {
        var assembly = typeof(ReplyClassifier).Assembly;
        var name = assembly.GetManifestResourceNames()
            .SingleOrDefault(n => n.EndsWith(DefaultResourceSuffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The embedded rules table '{DefaultResourceSuffix}' is missing from {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return Load(reader);
    }
}
