using System.Globalization;
using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// A relay that requires verified sending domains, its API pointed at a real DNS server (dnsmasq)
/// whose records a test replaces with <see cref="PublishAsync"/>: the new server takes the old
/// one's port, so the running API sees exactly what was published.
/// </summary>
public sealed class DomainStack : IAsyncLifetime
{
    /// <summary>Short, so a test sees a replaced key retire; long enough that both keys are seen listed first.</summary>
    public static readonly TimeSpan RetireAfter = TimeSpan.FromSeconds(6);

    public const string BounceMxHost = "mx.bounces.test";

    private TestDnsServer _dns = null!;

    public RelayStack Stack { get; private set; } = null!;

    public string DnsLog => _dns.Log;

    public async Task InitializeAsync()
    {
        _dns = await TestDnsServer.StartAsync(new DnsZone { Ttl = 0 });
        Stack = await RelayStack.StartAsync("domains", new Dictionary<string, string>
        {
            ["Senders__RequireVerifiedDomain"] = "true",
            ["Delivery__Dns__Servers"] = _dns.Endpoint,
            ["Delivery__Dns__Timeout"] = "00:00:02",
            // Published records change between checks: nothing a test looks at may come from a cache.
            ["Delivery__Dns__FailureCacheDuration"] = "00:00:00",
            ["Delivery__Dns__MaximumCacheTtl"] = "00:00:01",
            ["Domains__DkimRetireAfter"] = RetireAfter.ToString("c", CultureInfo.InvariantCulture),
            ["Domains__BounceMxHost"] = BounceMxHost,
        });
    }

    /// <summary>Serves exactly <paramref name="zone"/> from now on (records not in it are gone: NXDOMAIN under .test).</summary>
    public async Task PublishAsync(DnsZone zone)
    {
        var port = _dns.Port;
        await _dns.DisposeAsync();
        zone.Ttl = 0;
        _dns = await TestDnsServer.StartAsync(zone, port);
    }

    /// <summary>Adds the records of a domain as the API listed them (<c>records</c>) to <paramref name="zone"/>, those matching <paramref name="which"/> only.</summary>
    public static DnsZone Add(DnsZone zone, JsonElement domain, Func<JsonElement, bool>? which = null)
    {
        foreach (var record in domain.GetProperty("records").EnumerateArray().Where(r => which?.Invoke(r) ?? true))
        {
            var (type, name, value) = (record.Str("type"), record.Str("name"), record.Str("value"));
            if (type == "MX")
            {
                var parts = value.Split(' ');
                zone.Mx(name, parts[1], int.Parse(parts[0], CultureInfo.InvariantCulture));
            }
            else
            {
                zone.Txt(name, value);
            }
        }
        return zone;
    }

    public async Task DisposeAsync()
    {
        await Stack.DisposeAsync();
        await _dns.DisposeAsync();
    }
}
