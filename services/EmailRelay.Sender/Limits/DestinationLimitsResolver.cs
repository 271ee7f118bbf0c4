namespace EmailRelay.Sender.Limits;

/// <summary>
/// Picks the limits for a destination name: the override whose pattern fits it best (see
/// <see cref="DestinationPattern.Specificity"/>), else the defaults. Pure; built once from the options.
/// </summary>
public sealed class DestinationLimitsResolver
{
    private readonly DestinationLimits _defaults;
    private readonly List<(DestinationPattern Pattern, DestinationLimits Limits)> _overrides = [];

    public DestinationLimitsResolver(DeliveryLimitsOptions options)
    {
        _defaults = new DestinationLimits(null, options.MaxConnectionsPerHost, options.MaxMessagesPerConnection,
            options.MessagesPerSecondPerDomain, options.BackoffInitial, options.BackoffMax);
        foreach (var (name, entry) in options.Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (!DestinationPattern.TryParseList(entry.Match, out var patterns, out var error))
            {
                // Validated at start; reaching here means the options were never validated.
                throw new InvalidOperationException($"Delivery:Limits:Destinations:{name}:Match {error}");
            }
            var limits = new DestinationLimits(name,
                entry.MaxConnectionsPerHost ?? _defaults.MaxConnectionsPerHost,
                entry.MaxMessagesPerConnection ?? _defaults.MaxMessagesPerConnection,
                entry.MessagesPerSecondPerDomain ?? _defaults.MessagesPerSecondPerDomain,
                entry.BackoffInitial ?? _defaults.BackoffInitial,
                entry.BackoffMax ?? _defaults.BackoffMax);
            _overrides.AddRange(patterns.Select(p => (p, limits)));
        }
    }

    /// <summary>The limits for a host or domain name (any case, trailing dot allowed).</summary>
    public DestinationLimits For(string destination)
    {
        var name = DestinationPattern.Normalize(destination);
        var best = _defaults;
        var bestFit = -1;
        foreach (var (pattern, limits) in _overrides)
        {
            var fit = pattern.Specificity(name);
            if (fit > bestFit)
            {
                (best, bestFit) = (limits, fit);
            }
        }
        return best;
    }
}
