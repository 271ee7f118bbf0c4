using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Sender.Dispatch;

/// <summary>What the dispatcher hands to the broker, and what the broker refuses.</summary>
public sealed class DispatchMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _failed;

    public DispatchMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _published = meter.CreateCounter<long>("emailrelay.dispatcher.published",
            description: "DeliverMessage commands published by the dispatcher; reason: due (outbox, retry, send_at, lapsed lease) or lost (safety net)");
        _failed = meter.CreateCounter<long>("emailrelay.dispatcher.publish_failed",
            description: "Dispatcher publishes that failed or were refused (queue at its maximum length); kept in the outbox");
    }

    public void Published(int count, string reason) => _published.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Failed(int count) => _failed.Add(count);
}
