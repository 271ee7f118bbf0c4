using System.Net;
using EmailRelay.DevSmtp;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// Scriptable SMTP servers playing MX hosts: each on its own loopback address (127.0.0.2, .3, …)
/// and all on one port, since direct delivery dials every MX host on <c>Delivery__Direct__Port</c>.
/// An address in <see cref="Address"/> with no server started on it refuses connections.
/// </summary>
public sealed class MxServers : IAsyncDisposable
{
    private readonly Dictionary<string, SmtpTestServer> _servers = [];

    private MxServers(int port) => Port = port;

    public int Port { get; }

    public SmtpTestServer this[string address] => _servers[address];

    /// <summary>Servers on the given loopback addresses; <paramref name="configure"/> may give one a certificate.</summary>
    public static async Task<MxServers> StartAsync(string[] addresses, Func<string, SmtpServerOptions?>? configure = null)
    {
        var set = new MxServers(TestPorts.TcpOn(addresses.Select(IPAddress.Parse)));
        try
        {
            foreach (var address in addresses)
            {
                var given = configure?.Invoke(address);
                set._servers[address] = await SmtpTestServer.StartAsync(new SmtpServerOptions
                {
                    Port = set.Port,
                    ListenAddress = IPAddress.Parse(address),
                    Hostname = $"mx-{address}",
                    Certificate = given?.Certificate,
                });
            }
            return set;
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }
    }
}
