using System.ComponentModel.DataAnnotations;
using EmailRelay.Tracking.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class WebhookRetryScheduleTests
{
    [Fact]
    public void The_default_schedule_is_eight_attempts_from_immediately_to_ten_hours()
    {
        var schedule = WebhookRetrySchedule.Parse(new WebhookDeliveryOptions().RetrySchedule, 0);

        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
             TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)],
            schedule.Delays);
        Assert.Equal(8, schedule.MaxAttempts);
    }

    [Theory]
    [InlineData("250ms", 0.25)]
    [InlineData("0s", 0)]
    [InlineData("1.5m", 90)]
    [InlineData(" 2h ", 7200)]
    [InlineData("1d", 86400)]
    public void Each_unit_parses(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Assert.Single(WebhookRetrySchedule.Parse(text, 0).Delays));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("-1s")]
    [InlineData("0s,,5s")]
    [InlineData("0s,5s,")]
    [InlineData("31d")]
    [InlineData("1e3s")]
    public void A_malformed_schedule_is_refused_naming_the_bad_part(string text)
    {
        Assert.False(WebhookRetrySchedule.TryParse(text, 0.1, out _, out var error));
        Assert.Contains("is not a delay", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_jitter_outside_zero_to_one_is_refused(double jitter)
    {
        Assert.False(WebhookRetrySchedule.TryParse("1s", jitter, out _, out var error));
        Assert.Contains("jitter", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Jitter_moves_each_delay_by_at_most_its_fraction_either_way()
    {
        var schedule = WebhookRetrySchedule.Parse("0s,100s", 0.1);

        Assert.Equal(TimeSpan.FromSeconds(90), schedule.DelayBefore(2, 0.0));
        Assert.Equal(TimeSpan.FromSeconds(100), schedule.DelayBefore(2, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(110), schedule.DelayBefore(2, 1.0));
        Assert.Equal(TimeSpan.Zero, schedule.DelayBefore(1, 0.9));
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var delay = schedule.DelayBefore(2, random.NextDouble());
            Assert.InRange(delay, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(110));
        }
    }

    [Fact]
    public void There_is_no_delay_before_an_attempt_past_the_last()
    {
        var schedule = WebhookRetrySchedule.Parse("0s,5s", 0);

        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.DelayBefore(3, 0));
    }

    [Fact]
    public void Options_with_a_bad_schedule_fail_validation_with_a_message_naming_the_key()
    {
        var options = new WebhookDeliveryOptions { RetrySchedule = "0s,5 minutes" };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        var message = Assert.Single(results).ErrorMessage;
        Assert.Contains("Webhooks:RetrySchedule", message, StringComparison.Ordinal);
        Assert.Contains("'5 minutes'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_options_are_valid()
    {
        var options = new WebhookDeliveryOptions();

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
        Assert.Equal(TimeSpan.FromSeconds(15), options.Timeout);
        Assert.Equal(4, options.MaxConcurrencyPerEndpoint);
        Assert.Equal(0.1, options.RetryJitter);
    }
}
