using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// An API with the default network rules (public https only) and nothing else: no sender, no
/// Tracking, so an endpoint registered on a public address is never called.
/// </summary>
public sealed class WebhookApiStack : IAsyncLifetime
{
    public RelayStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await RelayStack.StartAsync("webhooks-api", senders: 0);

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}
