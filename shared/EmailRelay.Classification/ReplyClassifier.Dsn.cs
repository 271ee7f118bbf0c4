namespace EmailRelay.Classification;

/// <summary>
/// The delivery status notifications side of <see cref="ReplyClassifier"/>: the same rules read a
/// report's Status, Diagnostic-Code and Action (RFC 3464), so a bounce that arrives later is
/// classified exactly as the reply that would have said it at once.
/// </summary>
public sealed partial class ReplyClassifier
{
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
}
