using EmailRelay.Sender.Limits;

namespace EmailRelay.UnitTests.Sender;

public sealed class BackoffReplyTests
{
    [Theory]
    [InlineData(421, null)]                 // service not available, closing channel
    [InlineData(421, "4.3.2")]
    [InlineData(421, "4.7.0")]
    [InlineData(450, "4.7.1")]              // policy / too many messages
    [InlineData(451, "4.7.28")]             // Gmail's rate limiting
    [InlineData(452, "4.7.500")]
    public void A_421_or_a_4_7_x_backs_the_destination_off(int code, string? enhanced)
    {
        Assert.True(DestinationLimiter.IsBackoffReply(code, enhanced));
    }

    [Theory]
    [InlineData(450, "4.2.1")]              // one mailbox busy: that recipient's problem only
    [InlineData(451, null)]
    [InlineData(452, "4.2.2")]
    [InlineData(550, "5.7.1")]              // a permanent policy refusal is a bounce, not a throttle
    [InlineData(554, "5.7.28")]
    [InlineData(250, "2.0.0")]
    [InlineData(450, "4.7")]                // not an enhanced code
    [InlineData(450, "4.7.x")]
    [InlineData(450, "4.70.1")]
    public void Other_replies_do_not(int code, string? enhanced)
    {
        Assert.False(DestinationLimiter.IsBackoffReply(code, enhanced));
    }

    [Fact]
    public void The_attempt_record_names_the_end_of_the_backoff_and_the_reply()
    {
        var backoff = new DestinationBackoff("mx.example.com", DateTimeOffset.Parse("2026-11-02T10:00:00Z"),
            DateTimeOffset.Parse("2026-11-02T10:02:00.5Z"), 2, "policy", 451, "4.7.28", "451 4.7.28 Rate limited, try later");

        Assert.Equal("destination mx.example.com backed off until 2026-11-02T10:02:00Z, after 451 4.7.28 Rate limited, try later",
            backoff.AttemptReply());
    }
}
