using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;
using static EmailRelay.IntegrationTests.Tracking.FeedAssertions;

namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>
/// Asynchronous reports sent over SMTP to Tracking's bounce listener, the way a remote MTA or a
/// feedback loop sends them, and what they do to the tracking record.
/// </summary>
public sealed class BounceListenerTests
{
    private const string BounceDomain = "bounces.test";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Bounces__Domain"] = BounceDomain,
        ["Bounces__Secret"] = "integration-tests-verp-secret-0123456789abcdef",
        ["Bounces__MaxMessageBytes"] = "131072",
    };

    [Fact]
    public async Task A_bounce_a_complaint_and_an_auto_reply_reach_their_recipients_timelines_and_what_matches_nothing_is_kept()
    {
        await using var stack = await RelayStack.StartAsync("bounce-listener", Settings);
        await stack.StartTrackingAsync();
        var (ana, anaEmail, anaReturnPath) = await DeliveredAsync(stack, "ana");
        var (bob, bobEmail, bobReturnPath) = await DeliveredAsync(stack, "bob");
        var (carol, carolEmail, carolReturnPath) = await DeliveredAsync(stack, "carol");
        Assert.EndsWith("@" + BounceDomain, anaReturnPath);

        await using (var smtp = await RawSmtpClient.ConnectAsync(stack.BouncePort()))
        {
            var diagnostic = $"550 5.1.1 <{ana}>: Recipient address rejected: User unknown in local recipient table";
            Assert.StartsWith("250", await smtp.SendAsync("", [anaReturnPath], Reports.Dsn(anaReturnPath, ana, "5.1.1", diagnostic, "<a@acme>")));
            Assert.StartsWith("250", await smtp.SendAsync("fbl@isp.example", ["fbl@" + BounceDomain],
                Reports.Complaint("fbl@" + BounceDomain, bobReturnPath, bob, "<b@acme>")));
            Assert.StartsWith("250", await smtp.SendAsync("", [carolReturnPath], Reports.AutoReply(carolReturnPath, carol)));
        }

        // The bounce: delivered becomes bounced, with the remote's words, an event, and (through the feed) a suppression.
        var bounced = await stack.WaitForStatusAsync(anaEmail, "bounced");
        var recipient = bounced.Recipient(ana);
        Assert.Equal("bounced", recipient.Str("status"));
        Assert.Equal("user_unknown", recipient.Str("bounce_reason"));
        Assert.Equal(550, recipient.GetProperty("last_reply_code").GetInt32());
        Assert.Equal("5.1.1", recipient.Str("last_enhanced_code"));
        var bounceEvent = Assert.Single(bounced.Events("bounced"));
        Assert.Equal("dsn", bounceEvent.Str("source"));
        Assert.True(bounceEvent.GetProperty("hard").GetBoolean());
        Assert.Equal(bounced.Events().Max(e => e.GetProperty("sequence").GetInt32()), bounceEvent.GetProperty("sequence").GetInt32());
        await WaitUntilFanOutPassedEverythingAsync(stack.Database);
        Assert.Equal(Guid.Parse(bounceEvent.Str("id")), await stack.Database.ScalarAsync<Guid>(
            "SELECT source_event_id FROM suppressions WHERE address = lower($1) AND reason = 'hard_bounce'", ana));

        // The complaint came to a fixed address: matched through the report's Original-Mail-From.
        var complained = await stack.GetEmailAsync(bobEmail);
        Assert.Equal("delivered", complained.Str("status"));
        var complaint = Assert.Single(complained.Events("complained"));
        Assert.Equal("abuse", complaint.Str("feedback_type"));
        Assert.Equal(Guid.Parse(complaint.Str("id")), await stack.Database.ScalarAsync<Guid>(
            "SELECT source_event_id FROM suppressions WHERE address = lower($1) AND reason = 'complaint'", bob));

        // The auto-reply is an event, never a bounce, and suppresses nothing.
        var replied = await stack.GetEmailAsync(carolEmail);
        Assert.Equal("delivered", replied.Str("status"));
        Assert.Single(replied.Events("auto_replied"));
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM suppressions WHERE address = lower($1)", carol));

        // A token nobody made, and a report with none: both kept for operators, nothing changed.
        var forged = "bounces+" + new string('a', 47) + "@" + BounceDomain;
        await using (var smtp = await RawSmtpClient.ConnectAsync(stack.BouncePort()))
        {
            Assert.StartsWith("250", await smtp.SendAsync("", [forged], Reports.Dsn(forged, carol, "5.1.1", "550 5.1.1 no such user", "<c@acme>")));
            Assert.StartsWith("250", await smtp.SendAsync("", ["postmaster@" + BounceDomain], Reports.AutoReply("postmaster@" + BounceDomain, carol)));
        }
        Assert.Equal("delivered", (await stack.GetEmailAsync(carolEmail)).Str("status"));
        var unmatched = JsonDocument.Parse(await stack.Api.GetStringAsync("v1/unmatched-bounces")).RootElement.GetProperty("data")
            .EnumerateArray().ToList();
        Assert.Equal(2, unmatched.Count);
        Assert.Contains(unmatched, u => u.Str("envelope_to") == forged && u.Str("reason") == "the VERP token does not verify");
        Assert.Contains(unmatched, u => u.Str("envelope_to") == "postmaster@" + BounceDomain && u.Str("format") == "rfc3834-autoreply");
        var detail = JsonDocument.Parse(await stack.Api.GetStringAsync($"v1/unmatched-bounces/{unmatched[0].Str("id")}")).RootElement;
        Assert.Contains("Subject:", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(detail.Str("raw"))));
    }

    [Fact]
    public async Task The_listener_takes_mail_for_the_bounce_domain_only_and_refuses_what_is_too_big()
    {
        await using var stack = await RelayStack.StartAsync("bounce-limits", Settings);
        await stack.StartTrackingAsync();
        await using var smtp = await RawSmtpClient.ConnectAsync(stack.BouncePort());

        Assert.StartsWith("550", await smtp.SendAsync("", ["someone@example.org"], Reports.AutoReply("someone@example.org", "x@example.net")));
        var huge = Reports.AutoReply("postmaster@" + BounceDomain, "x@example.net") + new string('x', 200_000);
        var reply = await smtp.SendAsync("", ["postmaster@" + BounceDomain], huge);
        Assert.StartsWith("552", reply);
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM unmatched_bounces"));
    }

    private static async Task<(string Address, Guid Email, string ReturnPath)> DeliveredAsync(RelayStack stack, string local)
    {
        var address = Emails.Unique(local);
        var id = await stack.SendAsync(Emails.Simple(address));
        await stack.WaitForStatusAsync(id, "delivered");
        var received = stack.Smtp.Messages.Single(m => m.Recipients.Contains(address));
        return (address, id, received.MailFrom);
    }
}
