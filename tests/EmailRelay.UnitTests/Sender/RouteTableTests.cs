using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.UnitTests.Sender;

public sealed class RouteTableTests
{
    private static RouteTable Table(params (string Name, string Domains)[] routes) =>
        new(routes.ToDictionary(r => r.Name, r => new NamedRouteOptions { Domains = r.Domains, Host = r.Name + ".relay.test" }));

    [Theory]
    [InlineData("example.com", "exact")]
    [InlineData("EXAMPLE.com", "exact")]
    [InlineData("mail.example.com", "wild")]
    [InlineData("a.b.example.com", "wild")]
    [InlineData("eu.corp.example.com", "corp")]
    [InlineData("corp.example.com", "wild")]
    [InlineData("example.org", null)]
    [InlineData("notexample.com", null)]
    public void The_most_specific_pattern_wins(string domain, string? route)
    {
        var table = Table(("exact", "example.com"), ("wild", "*.example.com"), ("corp", "*.corp.example.com"));

        Assert.Equal(route, table.Match(RecipientDomain.Of("user@" + domain))?.Name);
    }

    [Fact]
    public void A_wildcard_does_not_match_the_domain_itself()
    {
        var table = Table(("wild", "*.example.com"));

        Assert.Null(table.Match("example.com"));
        Assert.Equal("wild", table.Match("x.example.com")?.Name);
    }

    [Fact]
    public void Unicode_domains_match_their_A_label()
    {
        var table = Table(("idn", "bücher.example"));

        Assert.Equal("idn", table.Match(RecipientDomain.Of("kunde@BÜCHER.example"))?.Name);
        Assert.Equal("idn", table.Match("xn--bcher-kva.example")?.Name);
    }

    [Fact]
    public void The_router_sends_routed_domains_to_their_route_and_the_rest_by_mode()
    {
        var smarthost = new SmtpEndpoint("smarthost.test", null, 25, TlsMode.None, false);
        var routes = Table(("partner", "partner.example"));

        var direct = new Router(DeliveryMode.Direct, smarthost, routes);
        var relayed = new Router(DeliveryMode.Smarthost, smarthost, routes);

        Assert.Equal("route:partner", direct.TargetOf("a@partner.example").Name);
        Assert.Equal("other.example", direct.TargetOf("a@Other.Example").Domain);
        Assert.Equal(smarthost, relayed.TargetOf("a@other.example").Endpoint);
    }

    [Fact]
    public void Recipients_are_grouped_by_destination_in_order_of_appearance()
    {
        var smarthost = new SmtpEndpoint("smarthost.test", null, 25, TlsMode.None, false);
        var router = new Router(DeliveryMode.Direct, smarthost, Table(("partner", "partner.example")));

        var groups = router.Group(["a@one.example", "b@partner.example", "c@ONE.example", "d@two.example"], a => a);

        Assert.Equal(["one.example", "route:partner", "two.example"], groups.Select(g => g.Target.Name));
        Assert.Equal(["a@one.example", "c@ONE.example"], groups[0].Items);
    }
}
