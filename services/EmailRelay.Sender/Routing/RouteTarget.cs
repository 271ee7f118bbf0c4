using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// Where a recipient's mail goes, before any DNS: a fixed smarthost (<see cref="Endpoint"/>: the
/// default smarthost or a named route) or the MX hosts of <see cref="Domain"/>. Recipients with the
/// same target share one transaction. <see cref="Name"/> labels it in metrics and logs:
/// <c>smarthost</c>, <c>route:&lt;name&gt;</c>, or the recipient domain.
/// </summary>
public sealed record RouteTarget(string Name, SmtpEndpoint? Endpoint, string? Domain)
{
    public static RouteTarget Smarthost(SmtpEndpoint endpoint) => new("smarthost", endpoint, null);

    public static RouteTarget Route(NamedRoute route) => new("route:" + route.Name, route.Endpoint, null);

    public static RouteTarget Mx(string domain) => new(domain, null, domain);
}
