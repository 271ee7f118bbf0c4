using System.Text;
using System.Text.RegularExpressions;

namespace EmailRelay.Classification;

/// <summary>
/// Decides what an SMTP outcome means (DESIGN.md §4). The outcome comes from the reply class;
/// the reason comes from the rules table: a specific enhanced status code first, then the reply
/// text, then a generic enhanced code, then the basic reply code.
/// Immutable and thread-safe: build one and share it.
/// </summary>
public sealed class ReplyClassifier
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
    /// Classifies one recipient of a delivery status notification (RFC 3464), or of a bounce in a
    /// provider's own format, from what the report relayed: the reporting MTA's verdict, the
    /// enhanced status, the remote reply code and the diagnostic text. Any of them may be missing.
    /// </summary>
    /// <remarks>
    /// The action decides the outcome whatever the codes say, and outcome overrides in the rules
    /// are not applied: the reporting MTA has already retried or given up. A report of a
    /// temporary cause that is final (a "failed" 4.x.x), a connection that never succeeded, and a
    /// delay notice with no readable cause all read as <see cref="BounceReason.Expired"/>: what
    /// happened is that the remote queue ran out of time, not the last hiccup it saw.
    /// </remarks>
    /// <param name="status">The RFC 3463 code (the Status field, or one found in the text); null if none.</param>
    /// <param name="replyCode">The remote server's basic reply code, if the report carries one.</param>
    /// <param name="diagnosticText">The remote reply or the reporting MTA's explanation (Diagnostic-Code without its type).</param>
    /// <param name="action">The Action field; null when the report does not say.</param>
    /// <param name="failedCommand">
    /// The SMTP command the remote server refused, when the report names it. A refusal before RCPT
    /// cannot be about the recipient: "unknown" there means the sender (MAIL FROM) or the client
    /// (greeting) was refused. An unknown-user refusal after DATA, when the address had been
    /// accepted, or one given as a mailbox status (X.2.0, X.2.1) without the RCPT stage named,
    /// is a filter's, not a missing mailbox's: it does not suppress the address.
    /// </param>
    /// <param name="diagnosticType">
    /// The Diagnostic-Code type ("smtp", "x-unix" …) when known. "x-unix" is a local delivery
    /// program's output: its status is mapped from an exit code, not a verdict on the address, so
    /// the failure is the mailer's unless the words name a full mailbox, a full system, a size or
    /// a time limit.
    /// </param>
    public Classification ClassifyDsn(
        string? status, int? replyCode, string? diagnosticText, DsnAction? action, SmtpCommand? failedCommand = null, string? diagnosticType = null)
    {
        if (action is DsnAction.Delivered or DsnAction.Relayed or DsnAction.Expanded)
        {
            return Delivered;
        }

        var hasStatus = EnhancedStatusCode.TryParse(status, out var code);
        int? replyClass = replyCode is >= 200 and <= 599 ? replyCode / 100 : null;
        var codeClass = hasStatus ? code.Class : replyClass;
        if (action is null && codeClass == 2)
        {
            return Delivered;
        }

        var outcome = action switch
        {
            DsnAction.Failed => DeliveryOutcome.Bounced,
            DsnAction.Delayed => DeliveryOutcome.Deferred,
            _ => codeClass == 4 ? DeliveryOutcome.Deferred : DeliveryOutcome.Bounced,
        };

        var rule = FindRule(replyClass is 4 or 5 ? replyCode : null, hasStatus ? status : null, diagnosticText ?? string.Empty);
        var reason = ForCommand(rule, failedCommand, hasStatus ? code : null);
        if (string.Equals(diagnosticType, "x-unix", StringComparison.OrdinalIgnoreCase))
        {
            reason = FindRule(null, null, diagnosticText ?? string.Empty)?.Reason switch
            {
                BounceReason.MailboxFull => BounceReason.MailboxFull,
                BounceReason.SystemFull => BounceReason.SystemFull,
                BounceReason.MesgTooBig => BounceReason.MesgTooBig,
                BounceReason.Expired => BounceReason.Expired,
                _ => BounceReason.MailerError,
            };
        }

        if (RanOutOfTime(outcome, codeClass, reason))
        {
            reason = BounceReason.Expired;
        }

        // A final report that says nothing we can read, or that gave up on a passing fault of the
        // remote system: nothing is known against the address; keep it and wait for a clearer one.
        if (outcome == DeliveryOutcome.Bounced
            && (reason == BounceReason.Undefined || (reason == BounceReason.SystemError && codeClass == 4)))
        {
            reason = BounceReason.OnHold;
        }

        // Suppression needs a permanent code: the reply code when there is one, else the status class,
        // else the report's own verdict (a failure with no code at all is a permanent one).
        var permanence = replyClass ?? codeClass ?? (outcome == DeliveryOutcome.Bounced ? 5 : 4);
        return Make(outcome, reason, permanence * 100);
    }

    /// <summary>
    /// An RFC 3463 code standing for a reason when the report carried none, so that every recorded
    /// outcome has one: the class given, subject and detail from the reason ("5.1.1" for
    /// user_unknown, "4.4.7" for expired, "X.0.0" where no code fits). Callers must keep track of
    /// the code being derived rather than received.
    /// </summary>
    /// <param name="reason">The classified reason; null for a delivery.</param>
    /// <param name="statusClass">2, 4 or 5.</param>
    public static string DeriveStatus(BounceReason? reason, int statusClass)
    {
        if (statusClass is not (2 or 4 or 5))
        {
            throw new ArgumentOutOfRangeException(nameof(statusClass), statusClass, "An enhanced status class is 2, 4 or 5.");
        }

        var detail = reason switch
        {
            BounceReason.UserUnknown => "1.1",
            BounceReason.HostUnknown => "1.2",
            BounceReason.HasMoved => "1.6",
            BounceReason.NotAccept => "1.10",
            BounceReason.Suspend => "2.1",
            BounceReason.MailboxFull => "2.2",
            BounceReason.Filtered => "2.0",
            BounceReason.SystemFull => "3.1",
            BounceReason.SystemError or BounceReason.MailerError => "3.0",
            BounceReason.MesgTooBig => "3.4",
            BounceReason.NetworkError => "4.0",
            BounceReason.TooManyConn => "4.5",
            BounceReason.Expired => "4.7",
            BounceReason.SyntaxError => "5.2",
            BounceReason.ExceedLimit => "5.3",
            BounceReason.ContentError or BounceReason.NotCompliantRfc => "6.0",
            BounceReason.SecurityError => "7.0",
            BounceReason.Rejected or BounceReason.Blocked or BounceReason.PolicyViolation or BounceReason.SpamDetected
                or BounceReason.NoRelaying or BounceReason.BadReputation or BounceReason.VirusDetected => "7.1",
            BounceReason.FailedStarttls => "7.10",
            BounceReason.RequirePtr => "7.25",
            BounceReason.AuthFailure => "7.26",
            BounceReason.Speeding => "7.28",
            _ => "0.0",
        };
        return $"{statusClass}.{detail}";
    }

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

    /// <summary>Corrects a reason read from words by the stage at which the server refused (see <see cref="ClassifyDsn"/>).</summary>
    /// <remarks>
    /// A specific enhanced code (5.1.1) is the remote's own verdict on the address and is kept at
    /// DATA: pipelining transcripts show a RCPT refusal after "&gt;&gt;&gt; DATA".
    /// </remarks>
    private static BounceReason ForCommand(Rule? rule, SmtpCommand? command, EnhancedStatusCode? code)
    {
        var reason = rule?.Reason ?? BounceReason.Undefined;
        var fromWords = rule?.Kind != RuleKind.Enhanced;
        var aboutRecipient = reason is BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.HasMoved
            or BounceReason.NotAccept or BounceReason.Undefined;
        return command switch
        {
            SmtpCommand.Connect when aboutRecipient => BounceReason.Blocked,
            SmtpCommand.MailFrom when aboutRecipient => BounceReason.Rejected,
            SmtpCommand.Data when reason == BounceReason.UserUnknown && fromWords => BounceReason.Filtered,
            null when reason == BounceReason.UserUnknown && fromWords && code is { Subject: 2, Detail: 0 or 1 } => BounceReason.Filtered,
            _ => reason,
        };
    }

    /// <summary>
    /// The remote queue's lifetime is the real cause: it gave up on a connection-level or
    /// unexplained temporary failure, is still waiting with nothing better to say, or never got a
    /// connection through before giving up.
    /// </summary>
    private static bool RanOutOfTime(DeliveryOutcome outcome, int? codeClass, BounceReason reason)
    {
        var transient = reason is BounceReason.Undefined or BounceReason.NetworkError;
        return outcome switch
        {
            DeliveryOutcome.Deferred => transient,
            DeliveryOutcome.Bounced => (codeClass == 4 && transient) || (codeClass is null && reason == BounceReason.NetworkError),
            _ => false,
        };
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
