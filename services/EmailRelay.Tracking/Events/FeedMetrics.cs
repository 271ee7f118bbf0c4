using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Tracking.Events;

/// <summary>What the fan-out does with the feed, and how far behind it is.</summary>
public sealed class FeedMetrics
{
    private readonly Counter<long> _events;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _suppressions;
    private double _lagSeconds;

    public FeedMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _events = meter.CreateCounter<long>("emailrelay.feed.events", description: "Events the fan-out has passed");
        _deliveries = meter.CreateCounter<long>("emailrelay.feed.webhook_deliveries", description: "Webhook deliveries the fan-out created");
        _suppressions = meter.CreateCounter<long>("emailrelay.feed.suppressions",
            description: "Suppressions the fan-out added for hard bounces and complaints");
        meter.CreateObservableGauge("emailrelay.feed.lag", () => _lagSeconds, unit: "s",
            description: "Age of the last event the fan-out passed when it passed it (0 when caught up)");
    }

    public void Passed(FanOutResult result)
    {
        _events.Add(result.Events);
        _deliveries.Add(result.Deliveries);
        _suppressions.Add(result.Suppressions);
        _lagSeconds = result.Lag.TotalSeconds;
    }
}
