namespace EmailRelay.Classification;

/// <summary>
/// The snake_case names stored in the database, sent in webhooks and written in rules tables.
/// Spelled out by hand rather than derived from the enum name so a C# rename can never change
/// a stored or published value.
/// </summary>
public static class BounceReasonNames
{
    public static string ToSnakeCase(this BounceReason r) => r switch
    {
        BounceReason.UserUnknown => "user_unknown",
        BounceReason.MailboxFull => "mailbox_full",
        BounceReason.HostUnknown => "host_unknown",
        BounceReason.Filtered => "filtered",
        BounceReason.Rejected => "rejected",
        BounceReason.Blocked => "blocked",
        BounceReason.Expired => "expired",
        BounceReason.NetworkError => "network_error",
        BounceReason.PolicyViolation => "policy_violation",
        BounceReason.RequirePtr => "require_ptr",
        BounceReason.Suspend => "suspend",
        BounceReason.SpamDetected => "spam_detected",
        BounceReason.SystemError => "system_error",
        BounceReason.NotAccept => "not_accept",
        BounceReason.SecurityError => "security_error",
        BounceReason.OnHold => "on_hold",
        BounceReason.NoRelaying => "no_relaying",
        BounceReason.MailerError => "mailer_error",
        BounceReason.TooManyConn => "too_many_conn",
        BounceReason.NotCompliantRfc => "not_compliant_rfc",
        BounceReason.HasMoved => "has_moved",
        BounceReason.MesgTooBig => "mesg_too_big",
        BounceReason.ExceedLimit => "exceed_limit",
        BounceReason.BadReputation => "bad_reputation",
        BounceReason.VirusDetected => "virus_detected",
        BounceReason.SyntaxError => "syntax_error",
        BounceReason.ContentError => "content_error",
        BounceReason.AuthFailure => "auth_failure",
        BounceReason.Speeding => "speeding",
        BounceReason.SystemFull => "system_full",
        BounceReason.FailedStarttls => "failed_starttls",
        BounceReason.Vacation => "vacation",
        BounceReason.Feedback => "feedback",
        BounceReason.Undefined => "undefined",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, "Not a defined bounce reason."),
    };

    /// <summary>
    /// Parses the exact lower-case name. Deliberately strict (no case folding, no trimming):
    /// these strings are stored keys, and a near miss is a bug worth seeing.
    /// </summary>
    public static bool TryParse(string snake, out BounceReason r)
    {
        switch (snake)
        {
            case "user_unknown": r = BounceReason.UserUnknown; return true;
            case "mailbox_full": r = BounceReason.MailboxFull; return true;
            case "host_unknown": r = BounceReason.HostUnknown; return true;
            case "filtered": r = BounceReason.Filtered; return true;
            case "rejected": r = BounceReason.Rejected; return true;
            case "blocked": r = BounceReason.Blocked; return true;
            case "expired": r = BounceReason.Expired; return true;
            case "network_error": r = BounceReason.NetworkError; return true;
            case "policy_violation": r = BounceReason.PolicyViolation; return true;
            case "require_ptr": r = BounceReason.RequirePtr; return true;
            case "suspend": r = BounceReason.Suspend; return true;
            case "spam_detected": r = BounceReason.SpamDetected; return true;
            case "system_error": r = BounceReason.SystemError; return true;
            case "not_accept": r = BounceReason.NotAccept; return true;
            case "security_error": r = BounceReason.SecurityError; return true;
            case "on_hold": r = BounceReason.OnHold; return true;
            case "no_relaying": r = BounceReason.NoRelaying; return true;
            case "mailer_error": r = BounceReason.MailerError; return true;
            case "too_many_conn": r = BounceReason.TooManyConn; return true;
            case "not_compliant_rfc": r = BounceReason.NotCompliantRfc; return true;
            case "has_moved": r = BounceReason.HasMoved; return true;
            case "mesg_too_big": r = BounceReason.MesgTooBig; return true;
            case "exceed_limit": r = BounceReason.ExceedLimit; return true;
            case "bad_reputation": r = BounceReason.BadReputation; return true;
            case "virus_detected": r = BounceReason.VirusDetected; return true;
            case "syntax_error": r = BounceReason.SyntaxError; return true;
            case "content_error": r = BounceReason.ContentError; return true;
            case "auth_failure": r = BounceReason.AuthFailure; return true;
            case "speeding": r = BounceReason.Speeding; return true;
            case "system_full": r = BounceReason.SystemFull; return true;
            case "failed_starttls": r = BounceReason.FailedStarttls; return true;
            case "vacation": r = BounceReason.Vacation; return true;
            case "feedback": r = BounceReason.Feedback; return true;
            case "undefined": r = BounceReason.Undefined; return true;
            default: r = BounceReason.Undefined; return false;
        }
    }
}
