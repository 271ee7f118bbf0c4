using System.Net;
using System.Net.Sockets;

namespace EmailRelay.Webhooks;

/// <summary>
/// Which addresses a webhook may connect to (DESIGN.md §6, SSRF). Ordered data: the first range that
/// holds an address decides, and an address no range holds is public. IPv6 forms that carry an
/// IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the IPv4 address inside, so
/// <c>::ffff:127.0.0.1</c> is loopback like <c>127.0.0.1</c>; IPv6 outside global unicast
/// (2000::/3) is never public.
/// </summary>
public static class NetworkAddressRules
{
    private static readonly (IPNetwork Network, AddressClass Class, string Name)[] V4 =
    [
        (Net("0.0.0.0/8"), AddressClass.Never, "this network"),
        (Net("169.254.169.254/32"), AddressClass.Never, "a cloud metadata service"),
        (Net("169.254.170.2/32"), AddressClass.Never, "a cloud metadata service"),
        (Net("100.100.100.200/32"), AddressClass.Never, "a cloud metadata service"),
        (Net("224.0.0.0/4"), AddressClass.Never, "multicast"),
        (Net("255.255.255.255/32"), AddressClass.Never, "broadcast"),
        (Net("10.0.0.0/8"), AddressClass.Private, "private (RFC 1918)"),
        (Net("100.64.0.0/10"), AddressClass.Private, "shared address space / CGNAT (RFC 6598)"),
        (Net("127.0.0.0/8"), AddressClass.Private, "loopback"),
        (Net("169.254.0.0/16"), AddressClass.Private, "link-local"),
        (Net("172.16.0.0/12"), AddressClass.Private, "private (RFC 1918)"),
        (Net("192.0.0.0/24"), AddressClass.Private, "IETF protocol assignments"),
        (Net("192.0.2.0/24"), AddressClass.Private, "documentation (TEST-NET-1)"),
        (Net("192.88.99.0/24"), AddressClass.Private, "6to4 relay anycast"),
        (Net("192.168.0.0/16"), AddressClass.Private, "private (RFC 1918)"),
        (Net("198.18.0.0/15"), AddressClass.Private, "benchmarking (RFC 2544)"),
        (Net("198.51.100.0/24"), AddressClass.Private, "documentation (TEST-NET-2)"),
        (Net("203.0.113.0/24"), AddressClass.Private, "documentation (TEST-NET-3)"),
        (Net("240.0.0.0/4"), AddressClass.Private, "reserved"),
    ];

    private static readonly (IPNetwork Network, AddressClass Class, string Name)[] V6 =
    [
        (Net("::/128"), AddressClass.Never, "unspecified"),
        (Net("ff00::/8"), AddressClass.Never, "multicast"),
        (Net("fd00:ec2::254/128"), AddressClass.Never, "a cloud metadata service"),
        (Net("::1/128"), AddressClass.Private, "loopback"),
        (Net("64:ff9b:1::/48"), AddressClass.Private, "local-use NAT64 (RFC 8215)"),
        (Net("100::/64"), AddressClass.Private, "discard-only"),
        (Net("2001:db8::/32"), AddressClass.Private, "documentation"),
        (Net("2001::/23"), AddressClass.Private, "IETF protocol assignments (Teredo, benchmarking, ORCHID)"),
        (Net("3fff::/20"), AddressClass.Private, "documentation"),
        (Net("fc00::/7"), AddressClass.Private, "unique local"),
        (Net("fe80::/10"), AddressClass.Private, "link-local"),
        (Net("fec0::/10"), AddressClass.Private, "site-local"),
    ];

    private static readonly IPNetwork GlobalUnicast = Net("2000::/3");

    // IPv6 ranges whose addresses carry an IPv4 address (besides IPv4-mapped ::ffff:0:0/96), and where
    // its 4 bytes start. A compatible address (::a.b.c.d) is deprecated: no host should be reached
    // through one, even a public one.
    private static readonly (IPNetwork Network, int Offset, string Name, bool Deprecated)[] Embedding =
    [
        (Net("::ffff:0:0:0/96"), 12, "IPv4-translated", false),
        (Net("64:ff9b::/96"), 12, "NAT64", false),
        (Net("2002::/16"), 2, "6to4", false),
        (Net("::/96"), 12, "IPv4-compatible", true),
    ];

    public static AddressVerdict Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Find(V4, address) ?? new AddressVerdict(AddressClass.Public, "public");
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return new AddressVerdict(AddressClass.Never, "not an IP address");
        }
        if (address.IsIPv4MappedToIPv6)
        {
            // Tested apart: IPNetwork.Contains never matches a mapped address, whatever the network.
            return Embedded(address, 12, "IPv4-mapped", deprecated: false);
        }
        if (Find(V6, address) is { } listed)
        {
            return listed;
        }
        foreach (var (network, offset, name, deprecated) in Embedding)
        {
            if (network.Contains(address))
            {
                return Embedded(address, offset, name, deprecated);
            }
        }
        return GlobalUnicast.Contains(address)
            ? new AddressVerdict(AddressClass.Public, "public")
            : new AddressVerdict(AddressClass.Private, "not global unicast (outside 2000::/3)");
    }

    private static AddressVerdict Embedded(IPAddress address, int offset, string name, bool deprecated)
    {
        var inner = new IPAddress(address.GetAddressBytes().AsSpan(offset, 4));
        var verdict = Classify(inner);
        var @class = deprecated && verdict.Class == AddressClass.Public ? AddressClass.Private : verdict.Class;
        return new AddressVerdict(@class, $"{name} {inner}: {verdict.Range}");
    }

    /// <summary>Whether a webhook may connect to the address.</summary>
    public static bool Allows(AddressVerdict verdict, bool allowPrivateNetworks) =>
        verdict.Class == AddressClass.Public || (verdict.Class == AddressClass.Private && allowPrivateNetworks);

    private static AddressVerdict? Find((IPNetwork Network, AddressClass Class, string Name)[] table, IPAddress address)
    {
        foreach (var (network, @class, name) in table)
        {
            if (network.Contains(address))
            {
                return new AddressVerdict(@class, $"{name} ({network})");
            }
        }
        return null;
    }

    private static IPNetwork Net(string cidr) => IPNetwork.Parse(cidr);
}
