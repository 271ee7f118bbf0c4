using EmailRelay.Tracking.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData(" 120 ", 120)]
    public void Seconds_are_a_delay(string value, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfter.Parse(value, Now));
    }

    [Fact]
    public void An_http_date_is_the_time_until_it()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), RetryAfter.Parse("Sun, 29 Nov 2026 12:01:30 GMT", Now));
    }

    [Fact]
    public void The_obsolete_date_forms_are_understood_too()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), RetryAfter.Parse("Sunday, 29-Nov-26 12:01:00 GMT", Now));
        Assert.Equal(TimeSpan.FromMinutes(2), RetryAfter.Parse("Sun Nov 29 12:02:00 2026", Now));
    }

    [Fact]
    public void A_date_in_the_past_means_now()
    {
        Assert.Equal(TimeSpan.Zero, RetryAfter.Parse("Sat, 28 Nov 2026 12:00:00 GMT", Now));
    }

    [Fact]
    public void A_number_too_large_for_a_time_span_is_the_longest_wait_which_the_caller_caps()
    {
        Assert.Equal(TimeSpan.MaxValue, RetryAfter.Parse("99999999999999999999999", Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("2026-11-29T12:01:00Z")]
    public void Anything_else_is_no_retry_after(string? value)
    {
        Assert.Null(RetryAfter.Parse(value, Now));
    }
}
