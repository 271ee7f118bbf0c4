using EmailRelay.Sender.Delivery;

namespace EmailRelay.UnitTests.Sender;

public sealed class RetryScheduleTests
{
    private static readonly TimeSpan[] DefaultDelays =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
    ];

    [Fact]
    public void The_default_schedule_parses_to_its_seven_delays()
    {
        var schedule = RetrySchedule.Parse("1m,5m,15m,30m,1h,2h,4h", 0.1);

        Assert.Equal(DefaultDelays, schedule.Delays);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("0.5m", 30)]
    [InlineData(" 10s ", 10)]
    public void A_single_delay_parses_with_its_unit(string text, int seconds)
    {
        var schedule = RetrySchedule.Parse(text, 0);

        Assert.Equal(TimeSpan.FromSeconds(seconds), Assert.Single(schedule.Delays));
    }

    [Fact]
    public void Spaces_and_empty_entries_between_delays_are_ignored()
    {
        var schedule = RetrySchedule.Parse(" 30s , 2m,,1h ", 0);

        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromHours(1)], schedule.Delays);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5x")]
    [InlineData("5M")]
    [InlineData("-1m")]
    [InlineData("0m")]
    [InlineData("1m,,oops")]
    [InlineData("1e3s")]
    [InlineData("1,5m")]
    public void Invalid_schedule_is_refused_with_an_error(string text)
    {
        Assert.False(RetrySchedule.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Throws<FormatException>(() => RetrySchedule.Parse(text, 0.1));
    }

    [Theory]
    [InlineData("99999999999d")]
    [InlineData("Infinitym")]
    [InlineData("NaNs")]
    public void TryParse_returns_false_instead_of_throwing_for_a_delay_no_TimeSpan_can_hold(string text)
    {
        var ok = true;
        var exception = Record.Exception(() => ok = RetrySchedule.TryParse(text, out _, out _));

        Assert.Null(exception);
        Assert.False(ok);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 5)]
    [InlineData(3, 15)]
    [InlineData(4, 30)]
    [InlineData(5, 60)]
    [InlineData(6, 120)]
    [InlineData(7, 240)]
    public void Each_attempt_uses_its_own_slot(int attempt, int minutes)
    {
        var schedule = new RetrySchedule(DefaultDelays, 0.1);

        Assert.Equal(TimeSpan.FromMinutes(minutes), schedule.DelayAfter(attempt, 0));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void After_the_list_the_last_delay_repeats_forever(int attempt)
    {
        var schedule = new RetrySchedule(DefaultDelays, 0.1);

        Assert.Equal(TimeSpan.FromHours(4), schedule.DelayAfter(attempt, 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void An_attempt_below_one_uses_the_first_slot(int attempt)
    {
        var schedule = new RetrySchedule(DefaultDelays, 0.1);

        Assert.Equal(TimeSpan.FromMinutes(1), schedule.DelayAfter(attempt, 0));
    }

    [Fact]
    public void Random_zero_gives_the_exact_delay()
    {
        var schedule = new RetrySchedule([TimeSpan.FromMinutes(10)], 0.25);

        Assert.Equal(TimeSpan.FromMinutes(10), schedule.DelayAfter(1, 0));
    }

    [Fact]
    public void Random_one_gives_the_delay_plus_the_whole_jitter()
    {
        var schedule = new RetrySchedule([TimeSpan.FromMinutes(10)], 0.25);

        Assert.Equal(TimeSpan.FromMinutes(12.5), schedule.DelayAfter(1, 1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void Jittered_delays_stay_within_the_delay_and_delay_times_one_plus_jitter(double random)
    {
        var schedule = new RetrySchedule([TimeSpan.FromHours(1)], 0.1);

        var delay = schedule.DelayAfter(1, random);

        Assert.InRange(delay, TimeSpan.FromHours(1), TimeSpan.FromHours(1.1));
        Assert.Equal(TimeSpan.FromHours(1 + (0.1 * random)).TotalSeconds, delay.TotalSeconds, 3);
    }

    [Fact]
    public void Zero_jitter_ignores_the_random_number()
    {
        var schedule = new RetrySchedule([TimeSpan.FromMinutes(5)], 0);

        Assert.Equal(TimeSpan.FromMinutes(5), schedule.DelayAfter(1, 0.9));
    }

    [Fact]
    public void An_empty_delay_list_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => new RetrySchedule([], 0.1));
    }
}
