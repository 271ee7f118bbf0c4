using System.ComponentModel.DataAnnotations;
using EmailRelay.Data;

namespace EmailRelay.UnitTests.Data;

public sealed class OutboxRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_scheduled_email_is_due_at_its_send_time_and_not_handed_to_the_broker()
    {
        var sendAt = Now.AddHours(3);

        Assert.Equal(new DispatchState(sendAt, null), Outbox.AtAccept(sendAt, publishing: true, Now));
        Assert.Equal(new DispatchState(sendAt, null), Outbox.AtAccept(sendAt, publishing: false, Now));
    }

    [Fact]
    public void An_email_the_api_publishes_counts_as_handed_to_the_broker_and_owes_nothing_more()
    {
        Assert.Equal(new DispatchState(null, Now), Outbox.AtAccept(null, publishing: true, Now));
    }

    [Fact]
    public void An_email_accepted_while_the_broker_is_down_is_due_at_once()
    {
        Assert.Equal(new DispatchState(Now, null), Outbox.AtAccept(null, publishing: false, Now));
    }

    [Fact]
    public void A_lease_makes_the_message_due_when_it_ends_and_takes_the_command_off_the_broker()
    {
        Assert.Equal("next_dispatch_at = $2, dispatched_at = NULL", Outbox.Leased("$2"));
        Assert.Equal("next_dispatch_at = $3", Outbox.Renewed("$3"));
        Assert.Equal("dispatched_at = NULL", Outbox.Taken);
    }

    [Fact]
    public void The_message_status_aggregate_takes_its_due_time_from_the_outbox_rule()
    {
        Assert.Contains(Outbox.DueFromRecipients, MessageStatusSql.Aggregate("recipients"), StringComparison.Ordinal);
        Assert.Contains(Outbox.Taken, MessageStatusSql.Refresh, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_options_are_valid_and_the_safety_net_waits_longer_than_a_claim()
    {
        var options = new OutboxOptions();
        var results = new List<ValidationResult>();

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true),
            string.Join(" | ", results.Select(r => r.ErrorMessage)));
        Assert.True(options.LostCommandWindow > options.ClaimTimeout);
        Assert.True(options.PublishRetryDelay < options.ClaimTimeout);
    }

    [Fact]
    public void A_publish_back_off_of_zero_is_refused()
    {
        var options = new OutboxOptions { PublishRetryDelay = TimeSpan.Zero };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(OutboxOptions.PublishRetryDelay)));
    }
}
