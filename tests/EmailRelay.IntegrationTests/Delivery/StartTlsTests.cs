using EmailRelay.DevSmtp;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

public sealed class StartTlsTests
{
    [Fact]
    public async Task Required_TLS_upgrades_with_STARTTLS_and_authenticates_before_sending()
    {
        await using var stack = await RelayStack.StartAsync("starttls", new Dictionary<string, string>
        {
            ["Delivery__Smarthost__Tls"] = "required",
            ["Delivery__Smarthost__AcceptInvalidCertificates"] = "true",
            ["Delivery__Smarthost__Username"] = "relay-user",
            ["Delivery__Smarthost__Password"] = "s3cret-pass",
        }, new SmtpServerOptions { Certificate = SelfSignedCertificate.Create("smarthost.test"), Username = "relay-user", Password = "s3cret-pass" });
        var to = Emails.Unique("secure");

        var id = await stack.SendAsync(Emails.Simple(to));
        await stack.WaitForStatusAsync(id, "delivered");

        var received = stack.Smtp.Messages.Single(m => m.Recipients.Contains(to));
        Assert.True(received.Tls);
        Assert.True(received.Authenticated);
        var attempt = (await stack.GetAttemptsAsync(id)).EnumerateArray().Single();
        Assert.True(attempt.GetProperty("tls").GetBoolean());
        Assert.Contains("STARTTLS", stack.Smtp.Commands);
        Assert.True(stack.Smtp.Commands.ToList().IndexOf("STARTTLS") < stack.Smtp.Commands.ToList().FindIndex(c => c.StartsWith("AUTH", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Required_TLS_without_STARTTLS_on_offer_defers_and_sends_nothing_in_clear()
    {
        await using var stack = await RelayStack.StartAsync("no-starttls", new Dictionary<string, string>
        {
            ["Delivery__Smarthost__Tls"] = "required",
            // The first attempt's outcome is what is tested. With the stack's one-second retry, a
            // slow poll could find the second attempt under way ("sending") instead of the deferral.
            ["Delivery__RetrySchedule"] = "1h",
        });
        var to = Emails.Unique("plain");

        var id = await stack.SendAsync(Emails.Simple(to));
        var email = await stack.WaitForEmailAsync(id, e => e.Recipient(to).GetProperty("attempts").GetInt32() >= 1);

        Assert.Equal("deferred", email.Recipient(to).Str("status"));
        Assert.Equal("failed_starttls", email.Recipient(to).Str("bounce_reason"));
        Assert.DoesNotContain(stack.Smtp.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Empty(stack.Smtp.Messages);
    }
}
