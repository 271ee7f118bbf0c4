using EmailRelay.DevSmtp;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Faults;

public sealed class SmarthostOutageTests
{
    [Fact]
    public async Task Smarthost_down_defers_then_delivers_when_it_returns()
    {
        await using var stack = await RelayStack.StartAsync("smarthost-down");
        await stack.StopSmtpAsync();
        var to = Emails.Unique("patient");

        var id = await stack.SendAsync(Emails.Simple(to));
        // A poll that lands while the next attempt is under way sees "sending", so the wait asks for
        // both: two attempts made, and the message deferred between them.
        await stack.WaitForEmailAsync(id, e => e.Recipient(to).GetProperty("attempts").GetInt32() >= 2 && e.Str("status") == "deferred");
        var attempts = (await stack.GetAttemptsAsync(id)).EnumerateArray().ToList();
        Assert.All(attempts, a => Assert.Equal("deferred", a.Str("outcome")));
        Assert.All(attempts, a => Assert.Contains("refused", a.Str("reply"), StringComparison.OrdinalIgnoreCase));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, attempts[0].GetProperty("reply_code").ValueKind);

        var server = await stack.RestartSmtpAsync();
        var email = await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(30));
        Assert.Single(server.Messages, m => m.Recipients.Contains(to));
        Assert.Equal("delivered", (await stack.GetAttemptsAsync(id)).EnumerateArray().Last().Str("outcome"));
        Assert.Contains(email.Events(), e => e.Str("type") == "deferred");
    }

    [Fact]
    public async Task Pooled_session_the_server_closed_while_idle_is_replaced_without_deferring()
    {
        await using var stack = await RelayStack.StartAsync("stale-session");
        var first = await stack.SendAsync(Emails.Simple(Emails.Unique("first")));
        await stack.WaitForStatusAsync(first, "delivered");

        // The smarthost restarts: the sender's idle pooled session is now dead.
        await stack.StopSmtpAsync();
        var server = await stack.RestartSmtpAsync();
        var to = Emails.Unique("second");
        var id = await stack.SendAsync(Emails.Simple(to));
        var email = await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(10));

        Assert.Equal(1, email.Recipient(to).GetProperty("attempts").GetInt32());
        Assert.Empty(email.Events("deferred"));
        Assert.Single(server.Messages, m => m.Recipients.Contains(to));
    }

    [Fact]
    public async Task Recipient_still_deferred_at_the_maximum_queue_lifetime_fails_as_expired()
    {
        await using var stack = await RelayStack.StartAsync("expiry", new Dictionary<string, string>
        {
            ["Delivery__MaxQueueLifetime"] = "00:00:04",
        });
        stack.Smtp.Behavior.OnRcpt = _ => new SmtpReply(451, "4.7.1", "Greylisted, come back later");
        var to = Emails.Unique("greylisted");

        var id = await stack.SendAsync(Emails.Simple(to));
        var email = await stack.WaitForStatusAsync(id, "failed", TimeSpan.FromSeconds(30));

        var recipient = email.Recipient(to);
        Assert.Equal("failed", recipient.Str("status"));
        Assert.Equal("expired", recipient.Str("bounce_reason"));
        Assert.Equal("451 4.7.1 Greylisted, come back later", recipient.Str("last_reply"));
        var failed = email.Events("failed").Single();
        Assert.Equal("expired", failed.Str("bounce_reason"));
        Assert.False(failed.GetProperty("hard").GetBoolean());
        Assert.True(recipient.GetProperty("attempts").GetInt32() >= 2);
        Assert.Empty(stack.Smtp.Messages);
    }
}
