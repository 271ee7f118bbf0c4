using System.Net;
using System.Net.Sockets;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// A stack whose API allows private networks and whose Tracking does not, and a loopback listener
/// the registered URLs point at, which nothing may ever connect to.
/// </summary>
public sealed class WebhookGuardStack : IAsyncLifetime
{
    public RelayStack Stack { get; private set; } = null!;
    public TcpListener Listener { get; } = new(IPAddress.Loopback, 0);

    public async Task InitializeAsync()
    {
        Listener.Start();
        Stack = await RelayStack.StartAsync("webhooks-guard", new Dictionary<string, string> { ["Webhooks__AllowPrivateNetworks"] = "true" }, senders: 0);
        await Stack.StartTrackingAsync(new Dictionary<string, string>(WebhookStack.FastDelivery) { ["Webhooks__AllowPrivateNetworks"] = "false" });
    }

    public async Task DisposeAsync()
    {
        await Stack.DisposeAsync();
        Listener.Stop();
    }
}
