using System.Net;

namespace EmailRelay.Dns;

/// <summary>One MX record: a host and its preference (lower is tried first).</summary>
public sealed record MxHost(string Host, int Preference);

/// <summary>
/// An MX lookup. <see cref="IsNullMx"/>: the domain publishes the null MX of RFC 7505 (one record,
/// preference 0, target "."), saying it accepts no mail at all.
/// </summary>
public sealed record MxLookup(DnsLookupStatus Status, IReadOnlyList<MxHost> Hosts, string? Error = null)
{
    public bool IsNullMx => Status == DnsLookupStatus.Found && Hosts.Count == 1 && Hosts[0].Host is "" or ".";
}

/// <summary>The A and AAAA records of a host, IPv4 first.</summary>
public sealed record AddressLookup(DnsLookupStatus Status, IReadOnlyList<IPAddress> Addresses, string? Error = null);

/// <summary>TXT records, each one's strings joined as RFC 7208 §3.3 and RFC 6376 §3.6.2.2 read them.</summary>
public sealed record TxtLookup(DnsLookupStatus Status, IReadOnlyList<string> Records, string? Error = null);
