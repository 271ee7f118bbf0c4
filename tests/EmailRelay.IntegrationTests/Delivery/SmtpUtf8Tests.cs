using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// A smarthost that does not offer SMTPUTF8 (RFC 6531) must never see a UTF-8 address: recipients
/// whose local part is not ASCII bounce with 5.6.7, as Postfix does, and the others are delivered.
/// </summary>
public sealed class SmtpUtf8Tests : IAsyncLifetime
{
    private RelayStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await RelayStack.StartAsync("smtputf8");
        // The sender opens sessions only to deliver, so every EHLO from here on lacks SMTPUTF8.
        Assert.Equal(0, _stack.Smtp.ConnectionCount);
        _stack.Smtp.Behavior.OfferSmtpUtf8 = false;
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Non_ascii_recipient_bounces_5_6_7_while_the_ascii_one_is_delivered_and_nothing_raw_reaches_the_server()
    {
        var ascii = Emails.Unique("ana");
        var utf8 = Emails.Unique("jürgen");
        var id = await _stack.SendAsync(Emails.Simple(ascii, utf8));

        var email = await _stack.WaitForStatusAsync(id, "partially_delivered");

        Assert.Equal("delivered", email.Recipient(ascii).Str("status"));
        var bounced = email.Recipient(utf8);
        Assert.Equal("bounced", bounced.Str("status"));
        Assert.Equal(553, bounced.GetProperty("last_reply_code").GetInt32());
        Assert.Equal("5.6.7", bounced.Str("last_enhanced_code"));
        Assert.StartsWith("553 5.6.7 SMTPUTF8 is required for this recipient, but was not offered by host 127.0.0.1", bounced.Str("last_reply"),
            StringComparison.Ordinal);
        Assert.Equal("not_compliant_rfc", bounced.Str("bounce_reason"));
        var bounce = Assert.Single(email.Events("bounced"));
        Assert.Equal(utf8, bounce.Str("recipient"));
        Assert.Equal("5.6.7", bounce.Str("enhanced_code"));

        var attempts = (await _stack.GetAttemptsAsync(id)).EnumerateArray().ToList();
        var attempt = Assert.Single(attempts, a => a.Str("recipient") == utf8);
        Assert.Equal("bounced", attempt.Str("outcome"));
        Assert.Contains("SMTPUTF8 is required", attempt.Str("reply"), StringComparison.Ordinal);

        // The server got the message for the ASCII recipient only, and no command carried UTF-8 or asked for SMTPUTF8.
        var received = Assert.Single(_stack.Smtp.Messages);
        Assert.Equal([ascii], received.Recipients);
        Assert.True(Ascii.IsValid(received.MailFrom), received.MailFrom);
        var commands = _stack.Smtp.Commands;
        Assert.All(commands, c => Assert.True(Ascii.IsValid(c), $"non-ASCII command: {c}"));
        Assert.DoesNotContain(commands, c => c.Contains("SMTPUTF8", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(commands, c => c.Contains("rgen-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Non_ascii_sender_bounces_every_recipient_without_a_transaction()
    {
        var ascii = Emails.Unique("bob");
        var email = Emails.Simple(ascii);
        email["from"] = "Jürgen <jürgen@acme.example>";
        var id = await _stack.SendAsync(email);

        var stored = await _stack.WaitForStatusAsync(id, "bounced");

        var recipient = stored.Recipient(ascii);
        Assert.Equal("5.6.7", recipient.Str("last_enhanced_code"));
        Assert.Contains("SMTPUTF8 is required for the sender address", recipient.Str("last_reply"), StringComparison.Ordinal);
        Assert.Empty(_stack.Smtp.Messages);
        Assert.DoesNotContain(_stack.Smtp.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal) || c.StartsWith("RCPT", StringComparison.Ordinal));
    }
}
