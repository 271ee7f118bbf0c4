namespace EmailRelay.Classification;

/// <summary>
/// What the reporting MTA did with one recipient, as an RFC 3464 "Action:" field says it
/// (or as a bounce in a provider's own format implies it).
/// </summary>
public enum DsnAction
{
    /// <summary>Not delivered and no further attempts will be made.</summary>
    Failed,

    /// <summary>Not delivered yet; the reporting MTA keeps trying.</summary>
    Delayed,

    /// <summary>Delivered to the recipient's mailbox.</summary>
    Delivered,

    /// <summary>Handed on to a system that sends no further notifications.</summary>
    Relayed,

    /// <summary>Delivered to a list or alias that fanned it out to other addresses.</summary>
    Expanded,
}
