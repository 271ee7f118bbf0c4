namespace EmailRelay.Classification;

/// <summary>
/// Why a message was not delivered. The set and meaning follow the widely used open bounce
/// taxonomy named in DESIGN.md §4 so results can be compared with other tools; the wire form is
/// snake_case (see <see cref="BounceReasonNames"/>). Never renumber: values may be persisted.
/// </summary>
public enum BounceReason
{
    UserUnknown,
    MailboxFull,
    HostUnknown,
    Filtered,
    Rejected,
    Blocked,
    Expired,
    NetworkError,
    PolicyViolation,
    RequirePtr,
    Suspend,
    SpamDetected,
    SystemError,
    NotAccept,
    SecurityError,
    OnHold,
    NoRelaying,
    MailerError,
    TooManyConn,
    NotCompliantRfc,
    HasMoved,
    MesgTooBig,
    ExceedLimit,
    BadReputation,
    VirusDetected,
    SyntaxError,
    ContentError,
    AuthFailure,
    Speeding,
    SystemFull,
    FailedStarttls,
    Vacation,
    Feedback,
    Undefined,
}
