namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// One stack shared by the tests that need no special configuration. Tests in a collection run one
/// at a time, so each may script the SMTP server; they use unique addresses to tell their mail apart.
/// </summary>
public sealed class StandardStack : IAsyncLifetime
{
    public RelayStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await RelayStack.StartAsync("standard");

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class StandardStackCollection : ICollectionFixture<StandardStack>
{
    public const string Name = "standard stack";
}
