using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Sender.Delivery;

/// <summary>Counters an operator alerts on; "ambiguous" counts the windows where a duplicate may have been sent.</summary>
public sealed class DeliveryMetrics
{
    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _ambiguous;
    private readonly Counter<long> _staleCommands;
    private readonly Histogram<double> _transactionSeconds;

    public DeliveryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _outcomes = meter.CreateCounter<long>("emailrelay.recipients.outcomes", description: "Recipient outcomes by status");
        _ambiguous = meter.CreateCounter<long>("emailrelay.deliveries.ambiguous",
            description: "Attempts cut off after DATA and before the final reply: the remote may have the message");
        _staleCommands = meter.CreateCounter<long>("emailrelay.commands.nothing_to_lease",
            description: "DeliverMessage commands that found nothing due (duplicates, or work already done)");
        _transactionSeconds = meter.CreateHistogram<double>("emailrelay.smtp.transaction.duration", unit: "s",
            description: "One SMTP transaction, from renting a session to the final reply");
    }

    public void Record(IEnumerable<RecipientUpdate> updates, TimeSpan? duration)
    {
        foreach (var update in updates)
        {
            _outcomes.Add(1, new KeyValuePair<string, object?>("status", update.Status));
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
}
