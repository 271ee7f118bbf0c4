using EmailRelay.Classification;
using EmailRelay.Dns;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// Turns a <see cref="RouteTarget"/> into the endpoints to try. For direct delivery: the MX hosts
/// of the domain in preference order (equal ones shuffled), each host's addresses, IPv4 first; no
/// MX means the domain itself is the mail host (the implicit MX of RFC 5321 §5.1). Every lookup
/// goes through <see cref="RelayDns"/>, whose cache answers repeats within their TTL.
/// </summary>
public sealed class DestinationResolver(RelayDns dns, DirectOptions direct, Random random)
{
    /// <summary>Addresses tried per attempt at most, across all MX hosts: Postfix's <c>smtp_mx_address_limit</c>.</summary>
    public const int MaxAddresses = 5;

    public async Task<Destination> ResolveAsync(RouteTarget target, CancellationToken cancellationToken)
    {
        if (target.Endpoint is { } endpoint)
        {
            return new Destination(target, [endpoint]);
        }
        var domain = target.Domain!;
        var mx = await dns.LookupMxAsync(domain, cancellationToken);
        IReadOnlyList<MxHost> hosts;
        switch (mx.Status)
        {
            case DnsLookupStatus.TemporaryFailure:
                return Failed(target, TransportFailure.DnsFailure, $"MX lookup for {domain} failed: {mx.Error ?? "no answer"}");
            case DnsLookupStatus.NameNotFound:
                return Failed(target, TransportFailure.HostNotFound, $"Host or domain name not found: {domain} does not exist (NXDOMAIN)");
            case DnsLookupStatus.Found when mx.IsNullMx:
                return Failed(target, TransportFailure.HostNotFound, $"{domain} publishes a null MX (RFC 7505): it accepts no mail");
            case DnsLookupStatus.NoRecords:
                hosts = [new MxHost(domain, 0)];
                break;
            default:
                hosts = MxOrdering.Order(mx.Hosts.Where(h => h.Host is not ("" or ".")), random);
                break;
        }

        var endpoints = new List<SmtpEndpoint>();
        var problems = new List<string>();
        var temporary = false;
        foreach (var host in hosts)
        {
            if (endpoints.Count >= MaxAddresses)
            {
                break;
            }
            var addresses = await dns.LookupAddressesAsync(host.Host, cancellationToken);
            if (addresses.Status == DnsLookupStatus.Found)
            {
                endpoints.AddRange(addresses.Addresses.Take(MaxAddresses - endpoints.Count)
                    .Select(a => new SmtpEndpoint(host.Host, a, direct.Port, direct.Tls, AcceptInvalidCertificates: false)));
                continue;
            }
            temporary |= addresses.Status == DnsLookupStatus.TemporaryFailure;
            problems.Add($"{host.Host}: {(addresses.Status == DnsLookupStatus.TemporaryFailure ? addresses.Error ?? "lookup failed" : addresses.Status == DnsLookupStatus.NameNotFound ? "NXDOMAIN" : "no A/AAAA record")}");
        }
        if (endpoints.Count > 0)
        {
            return new Destination(target, endpoints);
        }
        var implicitMx = mx.Status == DnsLookupStatus.NoRecords;
        var what = implicitMx ? $"{domain} has no MX record and no address" : $"no MX host of {domain} has an address";
        // A lookup that may succeed later could be hiding an address: retry rather than bounce.
        return temporary
            ? Failed(target, TransportFailure.DnsFailure, $"{what} ({string.Join("; ", problems)})")
            : Failed(target, TransportFailure.HostNotFound, $"Host or domain name not found: {what} ({string.Join("; ", problems)})");
    }

    private static Destination Failed(RouteTarget target, TransportFailure failure, string detail) => new(target, [], failure, detail);
}
