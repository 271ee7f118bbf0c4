using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Sender.Delivery;

/// <summary>Counters an operator alerts on; "ambiguous" counts the windows where a duplicate may have been sent.</summary>
public sealed class DeliveryMetrics
{
    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _postponed;
    private readonly Counter<long> _ambiguous;
    private readonly Counter<long> _staleCommands;
    private readonly Histogram<double> _transactionSeconds;
    private readonly Counter<long> _drained;
    private readonly Counter<long> _released;
    private readonly Counter<long> _leasesLost;

    public DeliveryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _outcomes = meter.CreateCounter<long>("emailrelay.recipients.outcomes", description: "Recipient outcomes by status");
        _attempts = meter.CreateCounter<long>("emailrelay.delivery.attempts",
            description: "Delivery attempts per recipient, by outcome (delivered, deferred, bounced) and destination (smarthost, route:<name>, or the recipient domain in direct mode)");
        _postponed = meter.CreateCounter<long>("emailrelay.recipients.postponed",
            description: "Recipients handed back untried because their domain's message rate was used up, by destination");
        _ambiguous = meter.CreateCounter<long>("emailrelay.deliveries.ambiguous",
            description: "Attempts that may have delivered without our knowing (cut off after DATA, or held by a sender whose lease lapsed): the remote may have the message");
        _staleCommands = meter.CreateCounter<long>("emailrelay.commands.nothing_to_lease",
            description: "DeliverMessage commands that found nothing due (duplicates, or work already done)");
        _transactionSeconds = meter.CreateHistogram<double>("emailrelay.smtp.transaction.duration", unit: "s",
            description: "One SMTP transaction, from renting a session to the final reply");
        _drained = meter.CreateCounter<long>("emailrelay.commands.drained_from_error_queue",
            description: "Commands found in deliver-message_error and put back into the outbox (owed: whether the message still had work)");
        _released = meter.CreateCounter<long>("emailrelay.leases.released",
            description: "Leases handed back unfinished because the sender was stopping: the message was made due at once");
        _leasesLost = meter.CreateCounter<long>("emailrelay.leases.lost",
            description: "Leases a renewal found taken over: the sender had been cut off from the database longer than the lease");
    }

    /// <summary>
    /// One attempt's outcomes. <paramref name="destination"/> labels the attempts counter:
    /// <c>smarthost</c>, <c>route:&lt;name&gt;</c> or, in direct mode, the recipient domain.
    /// </summary>
    public void Postponed(int recipients, string destination) =>
        _postponed.Add(recipients, new KeyValuePair<string, object?>("destination", destination));

    public void Record(IEnumerable<RecipientUpdate> updates, TimeSpan? duration, string? destination = null)
    {
        foreach (var update in updates)
        {
            _outcomes.Add(1, new KeyValuePair<string, object?>("status", update.Status));
            if (update.Attempted)
            {
                _attempts.Add(1, new KeyValuePair<string, object?>("outcome", update.Outcome),
                    new KeyValuePair<string, object?>("destination", destination ?? "none"));
            }
            if (update.Ambiguous)
            {
                _ambiguous.Add(1);
            }
        }
        if (duration is { } d)
        {
            _transactionSeconds.Record(d.TotalSeconds);
        }
    }

    public void NothingToLease() => _staleCommands.Add(1);

    /// <summary>Recipients taken over from a lapsed lease: their cut-off attempts were recorded as ambiguous.</summary>
    public void TakenOver(int recipients)
    {
        if (recipients > 0)
        {
            _ambiguous.Add(recipients, new KeyValuePair<string, object?>("cause", "lease_lapsed"));
        }
    }

    public void DrainedFromErrorQueue(bool owed) => _drained.Add(1, new KeyValuePair<string, object?>("owed", owed));

    public void Released() => _released.Add(1);

    public void LeaseLost() => _leasesLost.Add(1);
}
