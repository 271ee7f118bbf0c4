using System.ComponentModel.DataAnnotations;
using EmailRelay.Tracking.Retention;

namespace EmailRelay.UnitTests.Tracking;

public sealed class RetentionOptionsTests
{
    private static List<ValidationResult> Validate(RetentionOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid_seven_days_of_content_and_ninety_of_tracking()
    {
        var options = new RetentionOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(TimeSpan.FromDays(7), options.Content);
        Assert.Equal(TimeSpan.FromDays(90), options.Tracking);
    }

    [Fact]
    public void Content_kept_longer_than_its_email_is_refused()
    {
        var results = Validate(new RetentionOptions { Content = TimeSpan.FromDays(30), Tracking = TimeSpan.FromDays(14) });

        Assert.Contains(results, r => r.MemberNames.Contains(nameof(RetentionOptions.Content)));
    }

    [Fact]
    public void Tracking_shorter_than_an_email_can_stay_pending_is_refused()
    {
        var results = Validate(new RetentionOptions { Content = TimeSpan.FromDays(1), Tracking = TimeSpan.FromDays(3) });

        Assert.Contains(results, r => r.MemberNames.Contains(nameof(RetentionOptions.Tracking)));
    }
}
