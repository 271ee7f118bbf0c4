using EmailRelay.Tracking.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class DeliveryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly WebhookRetrySchedule Schedule = WebhookRetrySchedule.Parse("0s,5s,5m,30m", 0);
    private static readonly TimeSpan Cap = TimeSpan.FromHours(1);

    [Fact]
    public void A_2xx_succeeds()
    {
        var decision = Decide(AttemptOutcome.Succeeded, attempt: 1);

        Assert.Equal(DeliveryDecision.Succeeded, decision.Status);
        Assert.Null(decision.NextAttemptAt);
        Assert.Null(decision.DisableEndpoint);
    }

    [Fact]
    public void A_410_fails_the_delivery_and_disables_the_endpoint_whatever_attempts_remain()
    {
        var decision = Decide(AttemptOutcome.Gone, attempt: 1);

        Assert.Equal(DeliveryDecision.Failed, decision.Status);
        Assert.Equal(DeliveryRules.GoneReason, decision.DisableEndpoint);
    }

    [Theory]
    [InlineData(AttemptOutcome.Rejected)]
    [InlineData(AttemptOutcome.Redirected)]
    [InlineData(AttemptOutcome.TimedOut)]
    [InlineData(AttemptOutcome.NetworkError)]
    [InlineData(AttemptOutcome.Refused)]
    [InlineData(AttemptOutcome.Throttled)]
    public void Any_other_outcome_is_retried_after_the_delay_before_the_next_attempt(AttemptOutcome outcome)
    {
        Assert.Equal(Now + TimeSpan.FromSeconds(5), Decide(outcome, attempt: 1).NextAttemptAt);
        Assert.Equal(Now + TimeSpan.FromMinutes(30), Decide(outcome, attempt: 3).NextAttemptAt);
    }

    [Fact]
    public void After_the_last_attempt_the_delivery_fails()
    {
        var decision = Decide(AttemptOutcome.Rejected, attempt: 4);

        Assert.Equal(DeliveryDecision.Failed, decision.Status);
        Assert.Null(decision.NextAttemptAt);
        Assert.Null(decision.DisableEndpoint);
    }

    [Fact]
    public void A_throttled_attempt_is_retried_no_earlier_than_its_retry_after()
    {
        Assert.Equal(Now + TimeSpan.FromSeconds(40), Decide(AttemptOutcome.Throttled, 1, TimeSpan.FromSeconds(40)).NextAttemptAt);
        // The schedule's own delay wins when it is the later one.
        Assert.Equal(Now + TimeSpan.FromMinutes(5), Decide(AttemptOutcome.Throttled, 2, TimeSpan.FromSeconds(40)).NextAttemptAt);
    }

    [Fact]
    public void A_retry_after_is_capped()
    {
        Assert.Equal(Now + Cap, Decide(AttemptOutcome.Throttled, 1, TimeSpan.FromDays(3)).NextAttemptAt);
        Assert.Equal(Now + Cap, Decide(AttemptOutcome.Throttled, 1, TimeSpan.MaxValue).NextAttemptAt);
    }

    [Fact]
    public void A_retry_after_on_a_status_other_than_429_or_503_is_ignored()
    {
        Assert.Equal(Now + TimeSpan.FromSeconds(5), Decide(AttemptOutcome.Rejected, 1, TimeSpan.FromSeconds(40)).NextAttemptAt);
    }

    [Fact]
    public void A_throttled_last_attempt_still_fails()
    {
        Assert.Equal(DeliveryDecision.Failed, Decide(AttemptOutcome.Throttled, 4, TimeSpan.FromSeconds(1)).Status);
    }

    [Fact]
    public void Nothing_to_send_fails_at_once()
    {
        Assert.Equal(DeliveryDecision.Failed, Decide(AttemptOutcome.NoPayload, 1).Status);
    }

    private static DeliveryDecision Decide(AttemptOutcome outcome, int attempt, TimeSpan? retryAfter = null) =>
        DeliveryRules.Decide(new AttemptResult(outcome, Now, TimeSpan.Zero, RetryAfter: retryAfter), attempt, Schedule, Cap, Now, 0.5);
}
