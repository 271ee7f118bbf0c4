using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Sender.Limits;

/// <summary>What the per-destination limits are doing: an operator sees a destination pushing back before mail ages.</summary>
public sealed class DestinationLimitsMetrics
{
    private readonly Counter<long> _backoffs;
    private readonly Counter<long> _rateWaits;
    private readonly Counter<long> _slotWaits;
    private readonly Counter<long> _slotsLost;

    public DestinationLimitsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        Meter = meter;
        _backoffs = meter.CreateCounter<long>("emailrelay.destinations.backoffs",
            description: "Backoffs started after a destination answered 421 or 4.7.x, by destination and reason (one per episode, whichever sender saw it)");
        _rateWaits = meter.CreateCounter<long>("emailrelay.destinations.rate_waits",
            description: "Takes from a recipient domain's message rate told to wait");
        _slotWaits = meter.CreateCounter<long>("emailrelay.destinations.slot_waits",
            description: "Connection attempts refused because every connection slot of the host was held (cluster-wide)");
        _slotsLost = meter.CreateCounter<long>("emailrelay.destinations.slots_lost",
            description: "Connection slots a renewal found taken: the sender lost the database longer than a lease");
    }

    internal Meter Meter { get; }

    /// <summary>Reports the number of destinations in backoff as this replica last read it (at most a second or so old).</summary>
    internal void ObserveBackoffs(Func<int> count) =>
        Meter.CreateObservableGauge("emailrelay.destinations.in_backoff", count,
            description: "Destinations backed off now (read from the shared state about once a second while mail flows)");

    public void BackoffStarted(DestinationBackoff backoff) =>
        _backoffs.Add(1, new KeyValuePair<string, object?>("destination", backoff.Destination), new KeyValuePair<string, object?>("reason", backoff.Reason));

    public void RateWait() => _rateWaits.Add(1);

    public void SlotWait() => _slotWaits.Add(1);

    public void SlotLost() => _slotsLost.Add(1);
}
