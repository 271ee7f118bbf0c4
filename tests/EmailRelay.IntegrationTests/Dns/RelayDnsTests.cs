using EmailRelay.Dns;
using EmailRelay.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EmailRelay.IntegrationTests.Dns;

/// <summary>The relay's resolver against a real DNS server (dnsmasq): each answer maps to the outcome delivery decides on.</summary>
public sealed class RelayDnsTests
{
    [Fact]
    public async Task Answers_map_to_found_none_not_found_and_temporary_failure()
    {
        var zone = new DnsZone()
            .Mx("acme.test", "mx2.acme.test", 20).Mx("acme.test", "mx1.acme.test", 10)
            .Address("mx1.acme.test", "127.0.0.1").Address("mx1.acme.test", "::1")
            .NullMx("nullmx.test")
            .Address("nomx.test", "127.0.0.2")
            .Txt("sel._domainkey.acme.test", "v=DKIM1; k=rsa; p=" + new string('A', 400))
            .ServerFailure("broken.test");
        await using var server = await TestDnsServer.StartAsync(zone);
        var dns = new RelayDns(Options.Create(new DnsOptions { Servers = server.Endpoint, Timeout = TimeSpan.FromSeconds(2), Retries = 0 }));

        var mx = await dns.LookupMxAsync("acme.test", CancellationToken.None);
        Assert.Equal(DnsLookupStatus.Found, mx.Status);
        Assert.Equal(["mx1.acme.test", "mx2.acme.test"], mx.Hosts.Select(h => h.Host));
        Assert.False(mx.IsNullMx);

        var nullMx = await dns.LookupMxAsync("nullmx.test", CancellationToken.None);
        Assert.True(nullMx.IsNullMx, server.Log);

        Assert.Equal(DnsLookupStatus.NoRecords, (await dns.LookupMxAsync("nomx.test", CancellationToken.None)).Status);
        Assert.Equal(DnsLookupStatus.NameNotFound, (await dns.LookupMxAsync("nowhere.test", CancellationToken.None)).Status);
        Assert.Equal(DnsLookupStatus.TemporaryFailure, (await dns.LookupMxAsync("broken.test", CancellationToken.None)).Status);

        var addresses = await dns.LookupAddressesAsync("mx1.acme.test", CancellationToken.None);
        Assert.Equal(["127.0.0.1", "::1"], addresses.Addresses.Select(a => a.ToString()));
        Assert.Equal(DnsLookupStatus.NameNotFound, (await dns.LookupAddressesAsync("gone.test", CancellationToken.None)).Status);

        // A TXT record longer than one 255-byte string comes back joined.
        var txt = await dns.LookupTxtAsync("sel._domainkey.acme.test", fresh: true, CancellationToken.None);
        Assert.Equal("v=DKIM1; k=rsa; p=" + new string('A', 400), Assert.Single(txt.Records));
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_a_temporary_failure()
    {
        // A UDP port nobody listens on: every query times out.
        var dns = new RelayDns(Options.Create(new DnsOptions { Servers = "127.0.0.1:9", Timeout = TimeSpan.FromMilliseconds(300), Retries = 0 }));
        var mx = await dns.LookupMxAsync("acme.test", CancellationToken.None);
        Assert.Equal(DnsLookupStatus.TemporaryFailure, mx.Status);
        Assert.NotNull(mx.Error);
    }
}
