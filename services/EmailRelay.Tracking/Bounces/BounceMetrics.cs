using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Tracking.Bounces;

public sealed class BounceMetrics
{
    private readonly Counter<long> _received;

    public BounceMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _received = meter.CreateCounter<long>("emailrelay.bounces.received",
            description: "Reports received by the bounce listener; format, and result: Bounced, EventAdded, AlreadyFinal, Gone or Unmatched");
    }

    public void Received(string format, string result) =>
        _received.Add(1, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("result", result));
}
