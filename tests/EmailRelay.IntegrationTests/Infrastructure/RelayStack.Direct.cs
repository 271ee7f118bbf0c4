using System.Globalization;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>Direct delivery: the relay finds MX hosts through a test DNS server and dials them on one shared port.</summary>
public sealed partial class RelayStack
{
    /// <summary>
    /// A stack in <c>Delivery__Mode=direct</c>, resolving through <paramref name="dns"/> and dialling
    /// every MX host on <paramref name="directPort"/> (each test MX listens on its own loopback
    /// address, 127.0.0.x, on that port). The stack's own smarthost stays up for named routes.
    /// </summary>
    public static Task<RelayStack> StartDirectAsync(string name, TestDnsServer dns, int directPort,
        IReadOnlyDictionary<string, string>? settings = null, DevSmtp.SmtpServerOptions? smtp = null, int senders = 1)
    {
        var all = new Dictionary<string, string>
        {
            ["Delivery__Mode"] = "direct",
            ["Delivery__Direct__Port"] = directPort.ToString(CultureInfo.InvariantCulture),
            ["Delivery__Dns__Servers"] = dns.Endpoint,
            ["Delivery__Dns__Timeout"] = "00:00:02",
            ["Delivery__Dns__Retries"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        return StartAsync(name, all, smtp, senders);
    }
}
