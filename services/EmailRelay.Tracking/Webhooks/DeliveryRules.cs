namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// The one place that decides what an attempt's outcome means for its delivery (DESIGN.md §6):
/// 2xx succeeds; 410 fails it and disables the endpoint; everything else is retried on the
/// schedule until the attempts run out, a 429 or 503 no earlier than its Retry-After.
/// </summary>
public static class DeliveryRules
{
    public const string GoneReason = "gone: the endpoint answered 410";

    /// <param name="attempt">The attempt just made, 1-based.</param>
    /// <param name="random01">In [0, 1), for the jitter.</param>
    public static DeliveryDecision Decide(AttemptResult result, int attempt, WebhookRetrySchedule schedule, TimeSpan maxRetryAfter,
        DateTimeOffset now, double random01)
    {
        switch (result.Outcome)
        {
            case AttemptOutcome.Succeeded:
                return new DeliveryDecision(DeliveryDecision.Succeeded, null);
            case AttemptOutcome.Gone:
                return new DeliveryDecision(DeliveryDecision.Failed, null, GoneReason);
            case AttemptOutcome.NoPayload:
                return new DeliveryDecision(DeliveryDecision.Failed, null);
        }
        if (attempt >= schedule.MaxAttempts)
        {
            return new DeliveryDecision(DeliveryDecision.Failed, null);
        }
        var next = now + schedule.DelayBefore(attempt + 1, random01);
        if (result is { Outcome: AttemptOutcome.Throttled, RetryAfter: { } retryAfter })
        {
            var asked = now + (retryAfter < maxRetryAfter ? retryAfter : maxRetryAfter);
            if (asked > next)
            {
                next = asked;
            }
        }
        return new DeliveryDecision(DeliveryDecision.Pending, next);
    }
}
