namespace EmailRelay.Api.Domains;

/// <summary>The states of migration 0009's CHECKs: a domain's status, and a DKIM key's state.</summary>
public static class DomainStates
{
    public const string Pending = "pending";
    public const string Verified = "verified";

    /// <summary>Made, its record not yet seen in DNS: not used to sign.</summary>
    public const string KeyPending = "pending";

    /// <summary>The key messages are signed with; one per domain at most.</summary>
    public const string KeyActive = "active";

    /// <summary>Replaced by a rotation; its record must stay published until retire_after.</summary>
    public const string KeyRetiring = "retiring";

    /// <summary>Past retire_after: its record may be removed; no longer listed.</summary>
    public const string KeyRetired = "retired";
}
