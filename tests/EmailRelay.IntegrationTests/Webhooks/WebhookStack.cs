using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// A stack whose API and Tracking allow private networks (the receiver is on loopback), one
/// Tracking with a schedule of seconds (three attempts, 1 s apart, no jitter) and a 10 s request
/// timeout, and a scriptable receiver. The dispatcher tests make their deliveries from queued
/// events as the fan-out does, for endpoints the fan-out gives nothing; the end-to-end test goes
/// through the real fan-out.
/// </summary>
public sealed class WebhookStack : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> FastDelivery = new Dictionary<string, string>
    {
        ["Webhooks__RetrySchedule"] = "0s,1s,1s",
        ["Webhooks__RetryJitter"] = "0",
        ["Webhooks__PollInterval"] = "00:00:00.100",
        ["Webhooks__Timeout"] = "00:00:10",
        ["Webhooks__MaxRetryAfter"] = "00:00:10",
    };

    public RelayStack Stack { get; private set; } = null!;
    public WebhookReceiver Receiver { get; } = WebhookReceiver.Start();

    public async Task InitializeAsync()
    {
        Stack = await RelayStack.StartAsync("webhooks", new Dictionary<string, string> { ["Webhooks__AllowPrivateNetworks"] = "true" });
        await Stack.StartTrackingAsync(FastDelivery);
    }

    public async Task DisposeAsync()
    {
        await Stack.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebhookStackCollection : ICollectionFixture<WebhookStack>
{
    public const string Name = "webhook stack";
}
