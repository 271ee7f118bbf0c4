using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// Decides, per recipient, where its mail goes (DESIGN.md §5): a named route for its domain if one
/// matches, otherwise the smarthost or, in direct mode, the domain's MX hosts.
/// </summary>
public sealed class Router(DeliveryMode mode, SmtpEndpoint smarthost, RouteTable routes)
{
    public DeliveryMode Mode => mode;

    public RouteTarget TargetOf(string address)
    {
        var domain = RecipientDomain.Of(address);
        if (routes.Match(domain) is { } route)
        {
            return RouteTarget.Route(route);
        }
        return mode == DeliveryMode.Direct ? RouteTarget.Mx(domain) : RouteTarget.Smarthost(smarthost);
    }

    /// <summary>Items grouped by target, in the order each target first appears.</summary>
    public IReadOnlyList<(RouteTarget Target, IReadOnlyList<T> Items)> Group<T>(IEnumerable<T> items, Func<T, string> address) =>
        items.GroupBy(i => TargetOf(address(i)))
            .Select(g => (g.Key, (IReadOnlyList<T>)g.ToList()))
            .ToList();
}
