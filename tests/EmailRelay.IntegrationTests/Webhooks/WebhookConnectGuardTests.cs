using System.Net;
using System.Net.Sockets;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// The SSRF guard at connect time: the API allows private networks (so the URLs register), the
/// Tracking that sends does not. Every attempt is refused and recorded, and nothing ever connects
/// to the listener the URLs point at.
/// </summary>
public sealed class WebhookConnectGuardTests(WebhookGuardStack fixture) : IClassFixture<WebhookGuardStack>
{
    private RelayStack Stack => fixture.Stack;
    private TcpListener Listener => fixture.Listener;

    [Theory]
    [InlineData("https://127.0.0.1:{port}/hook", "refused: 127.0.0.1 is loopback")]
    [InlineData("https://localhost:{port}/hook", "refused: localhost resolves to")]
    [InlineData("https://[::ffff:127.0.0.1]:{port}/hook", "IPv4-mapped 127.0.0.1")]
    [InlineData("http://127.0.0.1:{port}/hook", "refused: The URL must be https://")]
    public async Task Tracking_refuses_a_private_address_the_api_let_through_without_connecting(string template, string error)
    {
        var port = ((IPEndPoint)Listener.LocalEndpoint).Port;
        var (endpoint, _) = await Stack.CreateWebhookAsync(template.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            StringComparison.Ordinal), ["complained"]);
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", TimeSpan.FromSeconds(30));

        Assert.Equal(("failed", 3), (done.Status, done.Attempts));
        Assert.Null(done.LastStatusCode);
        var attempts = await Stack.WebhookAttemptsAsync(delivery);
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Null(a.StatusCode);
            Assert.Contains(error, a.Error, StringComparison.Ordinal);
        });
        Assert.False(Listener.Pending(), "something connected to the refused address");
    }
}
