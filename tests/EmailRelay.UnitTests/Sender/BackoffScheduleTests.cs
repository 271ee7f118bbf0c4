using EmailRelay.Sender.Limits;

namespace EmailRelay.UnitTests.Sender;

public sealed class BackoffScheduleTests
{
    [Fact]
    public void Each_repeat_doubles_the_backoff_up_to_the_cap()
    {
        var schedule = new BackoffSchedule(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

        Assert.Equal([1, 2, 4, 8, 16, 32, 60], schedule.Steps().Select(s => s.TotalMinutes));
        Assert.Equal(TimeSpan.FromMinutes(1), schedule.For(1));
        Assert.Equal(TimeSpan.FromMinutes(4), schedule.For(3));
        Assert.Equal(TimeSpan.FromHours(1), schedule.For(7));
        Assert.Equal(TimeSpan.FromHours(1), schedule.For(1000));
    }

    [Fact]
    public void The_defaults_start_at_one_minute_and_stop_at_an_hour()
    {
        var limits = new DestinationLimitsResolver(new DeliveryLimitsOptions()).For("example.com");

        Assert.Equal(TimeSpan.FromMinutes(1), limits.Backoff.For(1));
        Assert.Equal(TimeSpan.FromHours(1), limits.Backoff.Steps()[^1]);
    }

    [Fact]
    public void An_initial_backoff_equal_to_the_cap_never_grows()
    {
        var schedule = new BackoffSchedule(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));

        Assert.Equal([TimeSpan.FromMinutes(5)], schedule.Steps());
        Assert.Equal(TimeSpan.FromMinutes(5), schedule.For(3));
    }

    [Fact]
    public void A_cap_that_is_not_a_doubling_of_the_start_is_reached_exactly()
    {
        var schedule = new BackoffSchedule(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(20));

        Assert.Equal([7, 14, 20], schedule.Steps().Select(s => s.TotalSeconds));
    }
}
