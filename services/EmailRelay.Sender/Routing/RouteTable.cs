using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// The named routes, looked up by recipient domain. The most specific entry wins, as in Postfix's
/// transport table: an exact domain before any wildcard, a longer <c>*.suffix</c> before a shorter one.
/// </summary>
public sealed class RouteTable
{
    private readonly Dictionary<string, NamedRoute> _exact = new(StringComparer.Ordinal);

    // Longest suffix first, so the first match is the most specific.
    private readonly List<(string Suffix, NamedRoute Route)> _wildcards = [];

    public RouteTable(IReadOnlyDictionary<string, NamedRouteOptions> routes)
    {
        foreach (var (name, options) in routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var route = new NamedRoute(name, options.ToEndpoint());
            foreach (var text in options.Domains.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!DomainPattern.TryParse(text, out var pattern, out var error))
                {
                    throw new ArgumentException($"Delivery:Routes:{name}:Domains: {error}", nameof(routes));
                }
                if (pattern.Subdomains)
                {
                    _wildcards.Add(("." + pattern.Domain, route));
                }
                else
                {
                    _exact.TryAdd(pattern.Domain, route);
                }
            }
        }
        _wildcards.Sort((a, b) => b.Suffix.Length.CompareTo(a.Suffix.Length));
    }

    public static RouteTable Empty { get; } = new(new Dictionary<string, NamedRouteOptions>());

    public bool IsEmpty => _exact.Count == 0 && _wildcards.Count == 0;

    /// <summary>The route for a normalised recipient domain (<see cref="RecipientDomain.Normalize"/>), or null.</summary>
    public NamedRoute? Match(string domain)
    {
        if (_exact.TryGetValue(domain, out var exact))
        {
            return exact;
        }
        foreach (var (suffix, route) in _wildcards)
        {
            if (domain.EndsWith(suffix, StringComparison.Ordinal))
            {
                return route;
            }
        }
        return null;
    }

    /// <summary>
    /// Patterns that appear in more than one route, each with the routes naming it: ambiguous
    /// configuration, refused at start rather than resolved by an order nobody wrote down.
    /// </summary>
    public static IEnumerable<string> Conflicts(IReadOnlyDictionary<string, NamedRouteOptions> routes) =>
        routes.SelectMany(r => (r.Value.Domains ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(d => DomainPattern.TryParse(d, out var p, out _) ? p.ToString() : null)
                .OfType<string>().Distinct().Select(p => (Pattern: p, Route: r.Key)))
            .GroupBy(x => x.Pattern)
            .Where(g => g.Count() > 1)
            .Select(g => $"'{g.Key}' is in more than one route ({string.Join(", ", g.Select(x => x.Route).Order(StringComparer.Ordinal))}).");
}
