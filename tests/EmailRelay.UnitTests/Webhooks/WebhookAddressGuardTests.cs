using System.Net;
using System.Net.Sockets;
using EmailRelay.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class WebhookAddressGuardTests
{
    [Fact]
    public async Task A_name_resolving_only_to_public_addresses_is_allowed()
    {
        var guard = Guard(false, "8.8.8.8", "2606:4700:4700::1111");

        var addresses = await guard.ResolveAsync("hooks.example.com", CancellationToken.None);

        Assert.Equal(2, addresses.Length);
    }

    [Fact]
    public async Task A_name_with_one_private_address_among_public_ones_is_refused()
    {
        var guard = Guard(false, "8.8.8.8", "10.0.0.5");

        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync("hooks.example.com", CancellationToken.None));

        Assert.Contains("hooks.example.com resolves to 10.0.0.5", refused.Message, StringComparison.Ordinal);
        Assert.Contains("private (RFC 1918)", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("169.254.169.254")]
    public async Task An_ip_literal_is_judged_without_resolving(string host)
    {
        var guard = new WebhookAddressGuard(false, (_, _) => throw new InvalidOperationException("no lookup for a literal"));

        await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync(host, CancellationToken.None));
    }

    [Fact]
    public async Task Allowing_private_networks_admits_loopback_but_not_the_metadata_service()
    {
        var guard = Guard(true, "127.0.0.1", "::1");

        Assert.Equal(2, (await guard.ResolveAsync("localhost", CancellationToken.None)).Length);
        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync("169.254.169.254", CancellationToken.None));
        Assert.Contains("never a webhook receiver", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_refused_with_the_reason()
    {
        var guard = new WebhookAddressGuard(false, (_, _) => throw new SocketException((int)SocketError.HostNotFound));

        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync("nowhere.example", CancellationToken.None));

        Assert.Contains("could not be resolved (HostNotFound)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_the_resolver_refuses_outright_is_refused_not_thrown()
    {
        var guard = new WebhookAddressGuard(false, System.Net.Dns.GetHostAddressesAsync);

        await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync(new string('a', 300) + ".example", CancellationToken.None));
    }

    [Fact]
    public async Task A_name_with_no_address_is_refused()
    {
        var guard = Guard(false);

        await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync("empty.example", CancellationToken.None));
    }

    [Theory]
    [InlineData("receiver.invalid")]
    [InlineData("INVALID")]
    [InlineData("hooks.example.invalid.")]
    public async Task A_name_under_invalid_is_refused_without_asking_dns(string host)
    {
        var guard = new WebhookAddressGuard(true, (_, _) => throw new InvalidOperationException("no lookup for .invalid"));

        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync(host, CancellationToken.None));

        Assert.Contains("RFC 6761", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("api.localhost")]
    public async Task A_localhost_name_is_loopback_whatever_dns_would_say(string host)
    {
        var guard = new WebhookAddressGuard(false, (_, _) => Task.FromResult(new[] { IPAddress.Parse("8.8.8.8") }));

        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.ResolveAsync(host, CancellationToken.None));

        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
        var allowed = new WebhookAddressGuard(true, (_, _) => throw new InvalidOperationException("no lookup for localhost"));
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], await allowed.ResolveAsync(host, CancellationToken.None));
    }

    private static WebhookAddressGuard Guard(bool allowPrivate, params string[] addresses) =>
        new(allowPrivate, (_, _) => Task.FromResult(addresses.Select(IPAddress.Parse).ToArray()));
}
