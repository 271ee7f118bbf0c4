using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// Two Tracking replicas share the deliveries: each is sent exactly once, and the per-endpoint and
/// global caps hold over both (they are counts of leased rows in PostgreSQL, not in-process state).
/// </summary>
public sealed class WebhookReplicaTests : IAsyncLifetime
{
    private const int PerEndpoint = 3;
    private const int Global = 5;
    private RelayStack _stack = null!;
    private readonly WebhookReceiver _receiver = WebhookReceiver.Start();

    public async Task InitializeAsync()
    {
        _stack = await RelayStack.StartAsync("webhooks-replicas", new Dictionary<string, string> { ["Webhooks__AllowPrivateNetworks"] = "true" }, senders: 0);
        var settings = new Dictionary<string, string>(WebhookStack.FastDelivery)
        {
            ["Webhooks__MaxConcurrencyPerEndpoint"] = PerEndpoint.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Webhooks__MaxConcurrency"] = Global.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging__LogLevel__EmailRelay.Tracking.Webhooks"] = "Debug",
        };
        await _stack.StartTrackingAsync(settings);
        await _stack.StartTrackingAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Two_replicas_send_every_delivery_exactly_once_within_the_caps_and_one_stopping_hands_over_cleanly()
    {
        _receiver.Always("a", WebhookReply.Slow(TimeSpan.FromMilliseconds(150)));
        _receiver.Always("b", WebhookReply.Slow(TimeSpan.FromMilliseconds(150)));
        var (a, _) = await _stack.CreateWebhookAsync(_receiver.Url("a"), ["complained"]);
        var (b, _) = await _stack.CreateWebhookAsync(_receiver.Url("b"), ["complained"]);
        var events = (await _stack.QueuedEventsAsync(40)).Concat(await _stack.QueuedEventsAsync(40)).ToList();
        var deliveries = (await _stack.InsertWebhookDeliveriesAsync(a, events.Take(40)))
            .Concat(await _stack.InsertWebhookDeliveriesAsync(b, events.Skip(40))).ToList();

        // Whichever replica has sent more is stopped (SIGTERM) midway: what it has in flight
        // finishes and is recorded, and the other must send the rest, so both take part.
        await _receiver.WaitForAsync("a", 15, TimeSpan.FromSeconds(60));
        var busier = _stack.Trackers.MaxBy(SentBy)!;
        await busier.StopAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, busier.ExitCode);

        foreach (var id in deliveries)
        {
            Assert.Equal("succeeded", (await _stack.WaitForWebhookDeliveryAsync(id, d => d.Status != "pending", TimeSpan.FromSeconds(60))).Status);
        }
        var perDelivery = _receiver.Received.GroupBy(r => r.Header("webhook-id")).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(deliveries.Select(d => d.ToString()).Order(), perDelivery.Keys.Order());
        Assert.All(perDelivery, p => Assert.True(p.Value == 1, $"delivery {p.Key} was received {p.Value} times"));
        Assert.InRange(_receiver.MaxConcurrent("a"), 1, PerEndpoint);
        Assert.InRange(_receiver.MaxConcurrent("b"), 1, PerEndpoint);
        Assert.InRange(_receiver.MaxConcurrentOverall, 1, Global);
        // A replica logs an attempt after recording it, and the line still has to come through its
        // stdout: the database can say done before the last lines are here.
        await _stack.WaitUntilAsync(() => Task.FromResult(_stack.Trackers.Sum(SentBy) >= 80), TimeSpan.FromSeconds(10),
            "both replicas' logs show 80 attempts");
        var sent = _stack.Trackers.Select(SentBy).ToList();
        Assert.Equal(80, sent.Sum());
        Assert.All(sent, n => Assert.True(n > 0, $"deliveries sent per replica: {string.Join(", ", sent)}"));
    }

    /// <summary>Deliveries a replica sent, from its debug log of each attempt.</summary>
    private static int SentBy(ServiceProcess tracker) =>
        tracker.Tail(400).Split('\n').Count(l => l.Contains("attempt 1: Succeeded", StringComparison.Ordinal));
}
