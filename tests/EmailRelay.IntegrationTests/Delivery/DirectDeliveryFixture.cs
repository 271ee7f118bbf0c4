using EmailRelay.DevSmtp;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// One relay in direct mode for <see cref="DirectDeliveryTests"/>: a real DNS server (dnsmasq) with
/// a zone per scenario, and MX hosts on loopback addresses sharing <c>Delivery__Direct__Port</c>.
/// VERP is off, so one transaction carries every recipient of a destination.
/// </summary>
public sealed class DirectDeliveryFixture : IAsyncLifetime
{
    public const string Refusing = "127.0.0.2";      // nothing listens: connection refused
    public const string Greets421 = "127.0.0.3";
    public const string OrderLast = "127.0.0.4";
    public const string PreferredFirst = "127.0.0.5";
    public const string PreferredSecond = "127.0.0.6";
    public const string Implicit = "127.0.0.7";
    public const string BrokenTls = "127.0.0.8";
    public const string PartnerRelay = "127.0.0.9";
    public const string One = "127.0.0.10";
    public const string Two = "127.0.0.11";

    public TestDnsServer Dns { get; private set; } = null!;
    public MxServers Mx { get; private set; } = null!;
    public RelayStack Stack { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var certificate = SelfSignedCertificate.Create("mx.test");
        Mx = await MxServers.StartAsync([Greets421, OrderLast, PreferredFirst, PreferredSecond, Implicit, BrokenTls, PartnerRelay, One, Two],
            address => address is BrokenTls or PartnerRelay ? new SmtpServerOptions { Certificate = certificate } : null);
        Mx[Greets421].Behavior.Greeting = new SmtpReply(421, "4.3.2", "mx2.order.test Service not available, closing channel");
        Mx[BrokenTls].Behavior.BreakTlsHandshake = true;

        Dns = await TestDnsServer.StartAsync(new DnsZone()
            .Mx("order.test", "mx1.order.test", 10).Address("mx1.order.test", Refusing)
            .Mx("order.test", "mx2.order.test", 20).Address("mx2.order.test", Greets421)
            .Mx("order.test", "mx3.order.test", 30).Address("mx3.order.test", OrderLast)
            .Mx("pref.test", "b.pref.test", 20).Address("b.pref.test", PreferredSecond)
            .Mx("pref.test", "a.pref.test", 10).Address("a.pref.test", PreferredFirst)
            .Address("implicit.test", Implicit)
            .Mx("brokentls.test", "mx.brokentls.test", 10).Address("mx.brokentls.test", BrokenTls)
            .Mx("one.test", "mx.one.test", 10).Address("mx.one.test", One)
            .Mx("two.test", "mx.two.test", 10).Address("mx.two.test", Two)
            .NullMx("nomail.test")
            .ServerFailure("broken.test"));

        Stack = await RelayStack.StartDirectAsync("direct", Dns, Mx.Port, new Dictionary<string, string>
        {
            ["Bounces__Domain"] = "",
            ["Delivery__Routes__partner__Domains"] = "partner.test,*.partner.test",
            ["Delivery__Routes__partner__Host"] = PartnerRelay,
            ["Delivery__Routes__partner__Port"] = Mx.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Delivery__Routes__partner__Tls"] = "required",
            ["Delivery__Routes__partner__AcceptInvalidCertificates"] = "true",
            // Long enough that a deferred recipient is looked at before its retry.
            ["Delivery__RetrySchedule"] = "1h",
        });
    }

    public async Task DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
        if (Dns is not null)
        {
            await Dns.DisposeAsync();
        }
        if (Mx is not null)
        {
            await Mx.DisposeAsync();
        }
    }
}
