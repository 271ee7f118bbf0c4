using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>What an operator watches of webhooks: attempts by outcome, how long requests and whole deliveries take.</summary>
public sealed class WebhookMetrics
{
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _attemptSeconds;
    private readonly Histogram<double> _deliverySeconds;
    private readonly Counter<long> _orphans;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _attempts = meter.CreateCounter<long>("emailrelay.webhooks.attempts",
            description: "Webhook requests (or refusals to make one) by outcome: succeeded, gone, throttled, redirected, rejected, timed_out, network_error, refused, no_payload");
        _attemptSeconds = meter.CreateHistogram<double>("emailrelay.webhooks.attempt.duration", unit: "s",
            description: "One webhook request, from connecting to the response headers");
        _deliverySeconds = meter.CreateHistogram<double>("emailrelay.webhooks.delivery.latency", unit: "s",
            description: "From a delivery's creation (the event's fan-out) to its final outcome, by status");
        _orphans = meter.CreateCounter<long>("emailrelay.webhooks.deliveries.not_sent",
            description: "Deliveries failed without a request because their endpoint was disabled or deleted");
    }

    public void Attempted(AttemptResult result)
    {
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", Name(result.Outcome)));
        _attemptSeconds.Record(result.Duration.TotalSeconds);
    }

    public void Completed(string status, TimeSpan latency) =>
        _deliverySeconds.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("status", status));

    public void NotSent(int deliveries)
    {
        if (deliveries > 0)
        {
            _orphans.Add(deliveries);
        }
    }

    private static string Name(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Succeeded => "succeeded",
        AttemptOutcome.Gone => "gone",
        AttemptOutcome.Throttled => "throttled",
        AttemptOutcome.Redirected => "redirected",
        AttemptOutcome.Rejected => "rejected",
        AttemptOutcome.TimedOut => "timed_out",
        AttemptOutcome.NetworkError => "network_error",
        AttemptOutcome.Refused => "refused",
        _ => "no_payload",
    };
}
