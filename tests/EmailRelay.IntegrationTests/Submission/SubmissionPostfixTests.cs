using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>
/// An application server's local Postfix relaying through the submission port (issue 10 point 3):
/// relayhost = our STARTTLS port, TLS required (the certificate is self-signed, so not verified, as
/// in most such set-ups), SASL with user <c>apikey</c> and an API key. Postfix is a real MTA we did
/// not write: what it logs is what our listener said to it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SubmissionPostfixTests : IAsyncLifetime
{
    private RelayStack _stack = null!;

    public async Task InitializeAsync() => _stack = await RelayStack.StartWithSubmissionAsync("submission-postfix");

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Postfix_with_relayhost_and_sasl_delivers_through_submission_to_a_tracked_delivery()
    {
        var key = await _stack.CreateKeyAsync("postfix", "emails:send");
        await using var postfix = await StartRelayClientAsync(key);
        var to = Emails.Unique("via-postfix");

        await HandToPostfixAsync(postfix, to, "Through Postfix");

        Guid? id = null;
        await _stack.WaitUntilAsync(async () =>
        {
            id = await _stack.Database.ScalarAsync<Guid?>("SELECT message_id FROM recipients WHERE address = $1", to);
            return id is not null;
        }, TimeSpan.FromSeconds(60), $"the message relayed by Postfix to be accepted; Postfix log:\n{postfix.Log}");
        var email = await _stack.WaitForStatusAsync(id!.Value, "delivered");
        Assert.Equal("Through Postfix", email.Str("subject"));
        // Our 250 can reach Postfix after the email is already delivered, and Postfix logs through
        // its own daemon: its line may come after our database says delivered.
        await _stack.WaitUntilAsync(() => Task.FromResult(postfix.Log.Contains($"queued as {id}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), $"Postfix to log our reply; Postfix log:\n{postfix.Log}");
        var log = postfix.Log;
        Assert.Matches(@"TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+", log);
        Assert.Contains("status=sent", log, StringComparison.Ordinal);
        Assert.Contains($"queued as {id}", log, StringComparison.Ordinal);
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }

    [Fact]
    public async Task Postfix_with_a_wrong_key_is_refused_and_nothing_is_accepted()
    {
        await using var postfix = await StartRelayClientAsync("er_live_not_a_key_0123456789abcdef");
        var to = Emails.Unique("wrong-key");

        await HandToPostfixAsync(postfix, to, "Never relayed");

        await _stack.WaitUntilAsync(() => Task.FromResult(postfix.Log.Contains("SASL authentication failed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), $"Postfix to log our refusal of its key; Postfix log:\n{postfix.Log}");
        var log = postfix.Log;
        Assert.Contains("535 5.7.8", log, StringComparison.Ordinal);
        Assert.DoesNotContain("status=sent", log, StringComparison.Ordinal);
        Assert.Equal(0, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE address = $1", to));
        Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }

    private Task<TestPostfix> StartRelayClientAsync(string key) => TestPostfix.StartAsync("app-server.test", new Dictionary<string, string>
    {
        ["relayhost"] = $"[127.0.0.1]:{_stack.SubmissionPort}",
        ["smtp_tls_security_level"] = "encrypt",
        ["smtp_tls_loglevel"] = "1",
        ["smtp_sasl_auth_enable"] = "yes",
        ["smtp_sasl_password_maps"] = $"static:apikey:{key}",
        ["smtp_sasl_security_options"] = "noanonymous",
        ["smtp_sasl_tls_security_options"] = "noanonymous",
    });

    /// <summary>The application hands the message to its local Postfix, which queues it and relays it to us.</summary>
    private static async Task HandToPostfixAsync(TestPostfix postfix, string to, string subject)
    {
        await using var app = await SmtpDialog.ConnectAsync(postfix.Port);
        await app.CommandAsync("EHLO app.test");
        Assert.StartsWith("250", await app.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await app.CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await app.DataAsync(Encoding.ASCII.GetBytes(
            $"From: App <app@acme.example>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@acme.example>\r\n\r\nHello\r\n")),
            StringComparison.Ordinal);
        await app.CommandAsync("QUIT");
    }
}
