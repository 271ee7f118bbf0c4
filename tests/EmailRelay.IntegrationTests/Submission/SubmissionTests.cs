using System.Net;
using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>
/// SMTP submission (API.md §SMTP submission) against the real API process: real clients (MailKit,
/// swaks, Python's smtplib) deliver through it to the test smarthost, and no client gets anything
/// relayed without AUTH.
/// </summary>
public sealed class SubmissionTests : IAsyncLifetime
{
    private RelayStack _stack = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _stack = await RelayStack.StartWithSubmissionAsync("submission");
        _key = await _stack.CreateKeyAsync("smtp", "emails:send");
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task MailKit_over_starttls_with_auth_is_delivered_and_the_250_id_is_the_stored_email()
    {
        var to = Emails.Unique("mailkit");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("App <app@acme.example>"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Submitted with MailKit";
        message.Body = new TextPart("plain") { Text = "Hello over SMTP" };

        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", _stack.SubmissionPort, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));
        Assert.Equal(10 * 1024 * 1024, (int)client.MaxSize);
        await client.AuthenticateAsync("apikey", _key);
        var reply = await client.SendAsync(message);
        await client.DisconnectAsync(true);

        var id = SubmissionReply.QueuedId("250 " + reply);
        var email = await _stack.WaitForStatusAsync(id, "delivered");
        Assert.Equal(id.ToString(), email.Str("id"));
        Assert.Equal("delivered", email.Recipient(to).Str("status"));
        Assert.Equal("Submitted with MailKit", email.Str("subject"));
        var received = Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.Equal("App <app@acme.example>", email.Str("from"));
        Assert.Contains($"Message-Id: <{message.MessageId}>", Encoding.UTF8.GetString(received.Data), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Swaks_with_starttls_and_auth_plain_is_delivered()
    {
        var to = Emails.Unique("swaks");
        var output = await SubmissionReply.RunAsync("swaks", "--server", "127.0.0.1", "--port", _stack.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls", "--auth", "PLAIN", "--auth-user", "apikey", "--auth-password", _key,
            "--from", "swaks@acme.example", "--to", to, "--header", "Subject: Submitted with swaks", "--body", "Hello from swaks");

        var id = SubmissionReply.QueuedId(output);
        await _stack.WaitForStatusAsync(id, "delivered");
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }

    [Fact]
    public async Task Python_smtplib_on_the_implicit_tls_port_with_auth_login_is_delivered()
    {
        var to = Emails.Unique("python");
        const string script = """
            import smtplib, ssl, sys
            port, key, to = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP_SSL("127.0.0.1", port, context=context) as smtp:
                smtp.ehlo()
                smtp.login("apikey", key)
                smtp.mail("python@acme.example")
                smtp.rcpt(to)
                code, reply = smtp.data(("From: python@acme.example\r\nTo: " + to + "\r\nSubject: Submitted with smtplib\r\n\r\nHello from Python\r\n").encode())
                print(code, reply.decode())
            """;
        var output = await SubmissionReply.RunAsync("/usr/bin/python3", "-c", script,
            _stack.SubmissionTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), _key, to);

        var id = SubmissionReply.QueuedId(output);
        await _stack.WaitForStatusAsync(id, "delivered");
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }

    [Fact]
    public async Task No_relaying_without_auth_auth_needs_tls_and_bad_keys_are_535()
    {
        var before = await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages");

        // Port 587 in clear text: no AUTH offered, AUTH refused, MAIL refused.
        await using (var plain = await SmtpDialog.ConnectAsync(_stack.SubmissionPort))
        {
            var ehlo = await plain.CommandAsync("EHLO client.test");
            Assert.Contains("STARTTLS", ehlo, StringComparison.Ordinal);
            Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
            var auth = await plain.AuthPlainAsync("apikey", _key);
            Assert.StartsWith("5", auth, StringComparison.Ordinal);
            var mail = await plain.CommandAsync("MAIL FROM:<relay@acme.example>");
            Assert.StartsWith("530 5.7.0", mail, StringComparison.Ordinal);
            var rcpt = await plain.CommandAsync("RCPT TO:<victim@example.net>");
            Assert.StartsWith("5", rcpt, StringComparison.Ordinal);
        }

        // After STARTTLS: AUTH is offered, but MAIL without it is still refused; bad keys are 535 5.7.8.
        await using (var tls = await SmtpDialog.ConnectAsync(_stack.SubmissionPort))
        {
            await tls.CommandAsync("EHLO client.test");
            await tls.StartTlsAsync();
            var ehlo = await tls.CommandAsync("EHLO client.test");
            Assert.Contains("AUTH PLAIN LOGIN", ehlo, StringComparison.Ordinal);
            Assert.StartsWith("530 5.7.0", await tls.CommandAsync("MAIL FROM:<relay@acme.example>"), StringComparison.Ordinal);
            Assert.StartsWith("535 5.7.8", await tls.AuthPlainAsync("apikey", "er_live_not_a_key_at_all_0123456789"), StringComparison.Ordinal);
            var readOnly = await _stack.CreateKeyAsync("read-only", "emails:read");
            Assert.StartsWith("535 5.7.8", await tls.AuthPlainAsync("apikey", readOnly), StringComparison.Ordinal);
            Assert.StartsWith("535 5.7.8", await tls.AuthPlainAsync("someone", _key), StringComparison.Ordinal);
            Assert.StartsWith("530 5.7.0", await tls.CommandAsync("MAIL FROM:<relay@acme.example>"), StringComparison.Ordinal);
        }

        // Implicit TLS without AUTH: refused too.
        await using (var implicitTls = await SmtpDialog.ConnectAsync(_stack.SubmissionTlsPort, implicitTls: true))
        {
            await implicitTls.CommandAsync("EHLO client.test");
            Assert.StartsWith("530 5.7.0", await implicitTls.CommandAsync("MAIL FROM:<relay@acme.example>"), StringComparison.Ordinal);
        }

        Assert.Equal(before, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task Relay_headers_set_tags_and_metadata_and_are_removed_before_sending()
    {
        var to = Emails.Unique("tagged");
        var message = Encoding.UTF8.GetBytes(
            "From: App <app@acme.example>\r\n" +
            $"To: {to}\r\n" +
            "Subject: Tagged\r\n" +
            "X-EmailRelay-Tags: receipt, smtp\r\n" +
            "X-EmailRelay-Metadata: {\"order_id\": \"1234\",\r\n \"channel\": \"smtp\"}\r\n" +
            "Message-ID: <tagged-1@acme.example>\r\n" +
            "\r\n" +
            "Body\r\n");
        var id = await SubmitAsync("app@acme.example", [to], message);

        var email = await _stack.WaitForStatusAsync(id, "delivered");
        Assert.Equal(["receipt", "smtp"], email.GetProperty("tags").EnumerateArray().Select(t => t.GetString() ?? "").ToArray());
        Assert.Equal("1234", email.GetProperty("metadata").Str("order_id"));
        Assert.Equal("smtp", email.GetProperty("metadata").Str("channel"));
        var received = Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
        var text = Encoding.UTF8.GetString(received.Data);
        Assert.DoesNotContain("X-EmailRelay", text, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith(
            "From: App <app@acme.example>\r\n" + $"To: {to}\r\n" + "Subject: Tagged\r\n" + "Message-ID: <tagged-1@acme.example>\r\n\r\nBody\r\n",
            text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eight_bit_smtputf8_message_is_stored_and_delivered_byte_intact()
    {
        var to = Emails.Unique("jürgen");
        var message = Encoding.UTF8.GetBytes(
            "From: Jürgen <jürgen@acme.example>\r\n" +
            $"To: {to}\r\n" +
            "Subject: Grüße aus Köln\r\n" +
            "Message-ID: <utf8-1@acme.example>\r\n" +
            "Date: Sun, 29 Nov 2026 21:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n" +
            "\r\n" +
            "Grüße, 你好, здравствуйте\r\n");
        var id = await SubmitAsync("jürgen@acme.example", [to], message, "BODY=8BITMIME SMTPUTF8");

        var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        Assert.Equal(message, stored);
        await _stack.WaitForStatusAsync(id, "delivered");
        var received = Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.True(received.Data.AsSpan().EndsWith(message), Encoding.UTF8.GetString(received.Data));
    }

    [Fact]
    public async Task Invalid_recipient_is_refused_alone_and_a_suppressed_one_is_stored_as_suppressed()
    {
        var ok = Emails.Unique("fine");
        var suppressed = Emails.Unique("suppressed");
        using (var add = await _stack.PostJsonAsync("v1/suppressions", new { email = suppressed, reason = "manual" }))
        {
            Assert.True(add.IsSuccessStatusCode, await add.Content.ReadAsStringAsync());
        }
        await using var dialog = await AuthenticatedAsync();
        Assert.StartsWith("250", await dialog.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("553 5.1.3", await dialog.CommandAsync("RCPT TO:<no-domain@localhost>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await dialog.CommandAsync($"RCPT TO:<{ok}>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await dialog.CommandAsync($"RCPT TO:<{suppressed}>"), StringComparison.Ordinal);
        var reply = await dialog.DataAsync(Encoding.UTF8.GetBytes($"From: app@acme.example\r\nTo: {ok}\r\nSubject: Two\r\n\r\nHi\r\n"));

        var id = SubmissionReply.QueuedId(reply);
        // One recipient delivered, one never sent: as for the same email over HTTP.
        var email = await _stack.WaitForStatusAsync(id, "partially_delivered");
        Assert.Equal("delivered", email.Recipient(ok).Str("status"));
        Assert.Equal("suppressed", email.Recipient(suppressed).Str("status"));
        Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Contains(suppressed, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Sigterm_stops_accepting_connections_lets_the_running_transaction_finish_and_closes_idle_sessions()
    {
        var (replica, port, _) = await _stack.StartExtraSubmissionApiAsync();
        await using var _ = replica;
        var to = Emails.Unique("draining");
        await using var idle = await AuthenticatedAsync(port);
        await using var dialog = await AuthenticatedAsync(port);
        Assert.StartsWith("250", await dialog.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await dialog.CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await dialog.CommandAsync("DATA"), StringComparison.Ordinal);
        await dialog.WriteAsync(Encoding.ASCII.GetBytes($"From: app@acme.example\r\nTo: {to}\r\nSubject: Draining\r\n\r\nfirst half\r\n"));

        var stopping = replica.StopAsync(TimeSpan.FromSeconds(60));
        await _stack.WaitUntilAsync(async () =>
        {
            try
            {
                await using var late = await SmtpDialog.ConnectAsync(port);
                return !late.Greeting.StartsWith("220", StringComparison.Ordinal);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return true;
            }
            catch (IOException)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(20), "the stopping replica to refuse new connections");
        Assert.False(replica.HasExited);
        // A session between transactions does not hold the shutdown: it is told so, and closed.
        Assert.StartsWith("421 4.3.2", await idle.ReadReplyAsync(), StringComparison.Ordinal);

        await dialog.WriteAsync(Encoding.ASCII.GetBytes("second half\r\n.\r\n"));
        var id = SubmissionReply.QueuedId(await dialog.ReadReplyAsync());
        // The transaction over, this session is closed too, before the client's next command.
        Assert.StartsWith("421 4.3.2", await dialog.ReadReplyAsync(), StringComparison.Ordinal);
        await stopping;
        Assert.True(replica.HasExited);

        await _stack.WaitForStatusAsync(id, "delivered");
        var received = Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.Contains("first half\r\nsecond half\r\n", Encoding.ASCII.GetString(received.Data), StringComparison.Ordinal);
    }

    private Task<SmtpDialog> AuthenticatedAsync(int? port = null) => SmtpDialog.AuthenticatedAsync(port ?? _stack.SubmissionPort, _key);

    private async Task<Guid> SubmitAsync(string mailFrom, string[] to, byte[] message, string parameters = "")
    {
        await using var dialog = await AuthenticatedAsync();
        // The library's own "250 Ok" carries its enhanced code too (ENHANCEDSTATUSCODES is announced).
        Assert.StartsWith("250 2.0.0", await dialog.CommandAsync($"MAIL FROM:<{mailFrom}> {parameters}".TrimEnd()), StringComparison.Ordinal);
        foreach (var rcpt in to)
        {
            Assert.StartsWith("250", await dialog.CommandAsync($"RCPT TO:<{rcpt}>"), StringComparison.Ordinal);
        }
        return SubmissionReply.QueuedId(await dialog.DataAsync(message));
    }
}
