using System.Globalization;
using System.Text;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// The records a <see cref="TestDnsServer"/> answers with, written as dnsmasq options. Names under
/// a <see cref="Local"/> domain that have no record get NXDOMAIN (dnsmasq's <c>local=</c>); names
/// under a <see cref="ServerFailure"/> domain get SERVFAIL; anything else is REFUSED.
/// </summary>
public sealed class DnsZone
{
    private readonly List<string> _options = [];
    private readonly HashSet<string> _local = new(StringComparer.OrdinalIgnoreCase) { "test" };
    private readonly List<string> _serverFailures = [];

    /// <summary>The TTL of every record (dnsmasq's <c>local-ttl</c>); 0 means "do not cache".</summary>
    public int Ttl { get; set; } = 300;

    /// <summary>A domain (and everything under it) this server is authoritative for: unknown names there are NXDOMAIN.</summary>
    public DnsZone Local(string domain)
    {
        _local.Add(domain);
        return this;
    }

    public DnsZone Mx(string domain, string host, int preference)
    {
        _options.Add($"mx-host={domain},{host},{preference.ToString(CultureInfo.InvariantCulture)}");
        return this;
    }

    /// <summary>RFC 7505: one MX of preference 0 whose target is the root, "this domain takes no mail".</summary>
    public DnsZone NullMx(string domain) => Mx(domain, ".", 0);

    public DnsZone Address(string host, string address)
    {
        _options.Add($"host-record={host},{address}");
        return this;
    }

    /// <summary>One TXT record; values over 255 bytes are cut into 255-byte strings, as DNS requires.</summary>
    public DnsZone Txt(string name, string value)
    {
        var strings = new List<string>();
        var bytes = Encoding.ASCII.GetBytes(value);
        for (var i = 0; i < bytes.Length; i += 255)
        {
            strings.Add("\"" + Encoding.ASCII.GetString(bytes, i, Math.Min(255, bytes.Length - i)).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        }
        _options.Add($"txt-record={name},{string.Join(',', strings)}");
        return this;
    }

    /// <summary>Every lookup under <paramref name="domain"/> is answered SERVFAIL (by a stub upstream dnsmasq forwards to).</summary>
    public DnsZone ServerFailure(string domain)
    {
        _serverFailures.Add(domain);
        return this;
    }

    internal IReadOnlyList<string> ServerFailureDomains => _serverFailures;

    internal string ToConfig(int port, int serverFailurePort)
    {
        var config = new StringBuilder();
        config.AppendLine(CultureInfo.InvariantCulture, $"port={port}");
        config.AppendLine("listen-address=127.0.0.1");
        config.AppendLine("bind-interfaces");
        config.AppendLine("no-resolv");
        config.AppendLine("no-hosts");
        config.AppendLine("no-negcache");
        config.AppendLine(CultureInfo.InvariantCulture, $"local-ttl={Ttl}");
        foreach (var domain in _local)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"local=/{domain}/");
        }
        foreach (var domain in _serverFailures)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"server=/{domain}/127.0.0.1#{serverFailurePort}");
        }
        foreach (var option in _options)
        {
            config.AppendLine(option);
        }
        return config.ToString();
    }
}
