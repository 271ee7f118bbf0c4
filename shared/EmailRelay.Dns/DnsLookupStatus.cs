namespace EmailRelay.Dns;

/// <summary>What a DNS lookup came to, in the terms delivery decides on (DESIGN.md §4).</summary>
public enum DnsLookupStatus
{
    /// <summary>Records of the asked type exist.</summary>
    Found,

    /// <summary>The name exists but has no record of the asked type (NOERROR, empty answer).</summary>
    NoRecords,

    /// <summary>The name does not exist (NXDOMAIN): a permanent answer.</summary>
    NameNotFound,

    /// <summary>SERVFAIL, REFUSED, a timeout or no server reachable: ask again later.</summary>
    TemporaryFailure,
}
