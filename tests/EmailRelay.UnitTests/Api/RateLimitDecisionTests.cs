using EmailRelay.Api.RateLimiting;

namespace EmailRelay.UnitTests.Api;

public sealed class RateLimitDecisionTests
{
    [Fact]
    public void Remaining_is_the_whole_tokens_left_and_never_negative()
    {
        Assert.Equal(6, new RateLimitDecision(true, 4, 6.97, 5, 10).Remaining);
        Assert.Equal(0, new RateLimitDecision(true, 1, 0.4, 5, 10).Remaining);
        Assert.Equal(0, new RateLimitDecision(true, 15, -5, 5, 10).Remaining);
    }

    [Fact]
    public void Seconds_until_full_rounds_up_and_is_zero_for_a_full_bucket()
    {
        // 10 - 6.5 = 3.5 tokens missing at 5/s: 0.7 s, rounded up.
        Assert.Equal(1, new RateLimitDecision(true, 1, 6.5, 5, 10).SecondsUntilFull);
        // In debt: 10 - (-5) = 15 tokens at 2/s: 7.5 s.
        Assert.Equal(8, new RateLimitDecision(true, 15, -5, 2, 10).SecondsUntilFull);
        Assert.Equal(0, new RateLimitDecision(true, 0, 10, 5, 10).SecondsUntilFull);
    }

    [Fact]
    public void Retry_after_is_the_wait_for_the_cost_at_the_rate()
    {
        // 3 emails wanted, 1.2 held, 0.5/s: 3.6 s.
        Assert.Equal(4, new RateLimitDecision(false, 3, 1.2, 0.5, 10).RetryAfterSeconds);
        // In debt: 1 - (-2) = 3 tokens at 0.01/s.
        Assert.Equal(300, new RateLimitDecision(false, 1, -2, 0.01, 10).RetryAfterSeconds);
    }

    [Fact]
    public void Retry_after_for_a_request_larger_than_the_burst_waits_only_for_a_full_bucket()
    {
        // 100 emails against a burst of 10: admitted once the bucket is full (the debt rule), so
        // the wait is for 10 - 7 = 3 tokens at 5/s, not for 93.
        Assert.Equal(1, new RateLimitDecision(false, 100, 7, 5, 10).RetryAfterSeconds);
        Assert.Equal(2, new RateLimitDecision(false, 100, 0, 5, 10).RetryAfterSeconds);
    }

    [Fact]
    public void Retry_after_is_at_least_one_second()
    {
        Assert.Equal(1, new RateLimitDecision(false, 1, 0.9999, 1_000_000, 10).RetryAfterSeconds);
    }

    [Theory]
    [InlineData(5, 10, 2)]
    [InlineData(0.01, 3, 300)]
    [InlineData(1000, 10, 1)]
    [InlineData(30, 100, 4)]
    public void Window_is_the_burst_at_the_rate_rounded_up(double perSecond, int burst, long window)
    {
        Assert.Equal(window, new RateLimitDecision(true, 1, burst - 1, perSecond, burst).WindowSeconds);
    }

    [Fact]
    public void A_rate_too_small_for_the_header_is_capped_instead_of_overflowing()
    {
        var decision = new RateLimitDecision(false, 1, 0, 1e-300, 10);
        Assert.Equal(int.MaxValue, decision.RetryAfterSeconds);
        Assert.Equal(int.MaxValue, decision.WindowSeconds);
    }
}
