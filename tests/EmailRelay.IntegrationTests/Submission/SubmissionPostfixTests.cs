using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>
/// An application server's local Postfix relaying through the submission port: relayhost = our
/// STARTTLS port, SASL PLAIN with user <c>apikey</c> and an API key (issue 10 point 3).
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
        await using var postfix = await TestPostfix.StartAsync("app-server.test", new Dictionary<string, string>
        {
            ["relayhost"] = $"[127.0.0.1]:{_stack.SubmissionPort}",
            ["smtp_tls_security_level"] = "encrypt",
            ["smtp_sasl_auth_enable"] = "yes",
            ["smtp_sasl_password_maps"] = $"static:apikey:{key}",
            ["smtp_sasl_security_options"] = "noanonymous",
            ["smtp_sasl_tls_security_options"] = "noanonymous",
        });
        var to = Emails.Unique("via-postfix");

        // The application hands the message to its local Postfix, which queues it and relays it to us.
        await using (var app = await SmtpDialog.ConnectAsync(postfix.Port))
        {
            await app.CommandAsync("EHLO app.test");
            Assert.StartsWith("250", await app.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await app.CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await app.DataAsync(Encoding.ASCII.GetBytes(
                $"From: App <app@acme.example>\r\nTo: {to}\r\nSubject: Through Postfix\r\nMessage-ID: <postfix-1@acme.example>\r\n\r\nHello\r\n")),
                StringComparison.Ordinal);
            await app.CommandAsync("QUIT");
        }

        Guid? id = null;
        await _stack.WaitUntilAsync(async () =>
        {
            id = await _stack.Database.ScalarAsync<Guid?>("SELECT message_id FROM recipients WHERE address = $1", to);
            return id is not null;
        }, TimeSpan.FromSeconds(60), $"the message relayed by Postfix to be accepted; Postfix log:\n{postfix.Log}");
        var email = await _stack.WaitForStatusAsync(id!.Value, "delivered");
        Assert.Equal("Through Postfix", email.Str("subject"));
        Assert.Contains("status=sent", postfix.Log, StringComparison.Ordinal);
        Assert.Contains($"queued as {id}", postfix.Log, StringComparison.Ordinal);
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }
}
