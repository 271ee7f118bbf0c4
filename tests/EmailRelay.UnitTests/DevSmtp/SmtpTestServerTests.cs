using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EmailRelay.DevSmtp;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.UnitTests.DevSmtp;

public sealed class SmtpTestServerTests
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(10);

    // One certificate for the whole class: RSA key generation costs tens of milliseconds.
    private static readonly Lazy<X509Certificate2> Certificate = new(() => SelfSignedCertificate.Create());

    [Fact]
    public async Task Message_sent_with_MailKit_is_recorded_with_envelope_and_content()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        using var client = await ConnectAsync(server);

        var response = await client.SendAsync(NewMessage("Hello\r\n.leading dot survives\r\n", "a@example.test", "b@example.test"));

        var message = Assert.Single(server.Messages);
        Assert.Contains("queued as " + message.Id, response, StringComparison.Ordinal);
        Assert.Matches("^[0-9A-F]{12}$", message.Id);
        Assert.Equal("sender@example.test", message.MailFrom);
        Assert.Equal(["a@example.test", "b@example.test"], message.Recipients);
        Assert.Contains("\r\n.leading dot survives\r\n", message.Text, StringComparison.Ordinal);
        Assert.Contains("Subject: Test", message.Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", message.Text, StringComparison.Ordinal);
        Assert.False(message.Tls);
        Assert.False(message.Authenticated);
        Assert.Equal(1, message.ConnectionId);
    }

    [Fact]
    public async Task Dot_stuffed_lines_are_unstuffed_and_stored_byte_exact()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        // Lines longer than the server's read buffer exercise the path where a line arrives in pieces.
        var original = Encoding.UTF8.GetBytes(
            "Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\n. \r\nh\u00e9llo 8bit\r\nlone\rCR\r\n" +
            "." + new string('x', 70_000) + "\r\n" + new string('y', 40_000) + ".\r\n.\r\n.last\r\n");
        var stuffed = Encoding.UTF8.GetBytes(Stuff(Encoding.UTF8.GetString(original)) + ".\r\n");

        await connection.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        Assert.Equal([250, 250, 354], (await connection.ReadRepliesAsync(3)).Select(r => r.Code));
        foreach (var chunk in stuffed.Chunk(997))
        {
            await connection.SendAsync(chunk);
        }

        Assert.Equal(250, (await connection.ReadReplyAsync()).Code);
        Assert.Equal(original, Assert.Single(server.Messages).Data);
    }

    [Fact]
    public async Task Bare_LF_line_endings_are_accepted_and_stored_as_sent()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);
        await connection.ReadReplyAsync();

        await connection.SendAsync("HELO lenient\nMAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\nDATA\n");
        Assert.Equal([250, 250, 250, 354], (await connection.ReadRepliesAsync(4)).Select(r => r.Code));
        await connection.SendAsync("Subject: lf\n\n..dot\nbody\n.\n");

        Assert.Equal(250, (await connection.ReadReplyAsync()).Code);
        Assert.Equal("Subject: lf\n\n.dot\nbody\n", Assert.Single(server.Messages).Text);
    }

    [Fact]
    public async Task Pipelined_commands_in_one_write_are_answered_in_order()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OnRcpt = address => address.StartsWith("bad", StringComparison.Ordinal)
            ? new SmtpReply(550, "5.1.1", "No such user")
            : new SmtpReply(250, "2.1.5", "Ok");
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);
        await connection.ReadReplyAsync();

        await connection.SendAsync(
            "EHLO pipe.test\r\nMAIL FROM:<a@example.test> SIZE=100 BODY=8BITMIME SMTPUTF8\r\n" +
            "RCPT TO:<b@example.test>\r\nRCPT TO:<bad@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n");
        var replies = await connection.ReadRepliesAsync(6);
        await connection.SendAsync("Subject: p\r\n\r\nbody\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n");
        replies.AddRange(await connection.ReadRepliesAsync(4));

        Assert.Equal([250, 250, 250, 550, 250, 354, 250, 250, 250, 221], replies.Select(r => r.Code));
        Assert.Contains("250-PIPELINING", replies[0].Lines);
        Assert.Equal("550 5.1.1 No such user", replies[3].Text);
        Assert.Equal(["b@example.test", "c@example.test"], Assert.Single(server.Messages).Recipients);
        Assert.True(await connection.IsClosedByServerAsync(WaitTimeout));
    }

    [Fact]
    public async Task EHLO_advertises_the_extensions_in_a_multi_line_reply()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions { MaxMessageSize = 1234 });
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);

        Assert.Equal("220 devsmtp.localhost ESMTP EmailRelay.DevSmtp", (await connection.ReadReplyAsync()).Text);
        await connection.SendAsync("EHLO me.test\r\n");
        var reply = await connection.ReadReplyAsync();

        Assert.Equal(
            ["250-devsmtp.localhost greets me.test", "250-PIPELINING", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-SIZE 1234", "250 SMTPUTF8"],
            reply.Lines);
    }

    [Fact]
    public async Task Rejected_recipient_gets_the_scripted_reply()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OnRcpt = address => address switch
        {
            "gone@example.test" => new SmtpReply(550, "5.1.1", "No such user"),
            "busy@example.test" => new SmtpReply(451, "4.2.0", "Try later"),
            _ => new SmtpReply(250, "2.1.5", "Ok"),
        };
        using var client = new RecordingSmtpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);

        await client.SendAsync(NewMessage("hi", "ok@example.test", "gone@example.test", "busy@example.test"));

        Assert.Equal(
            [("gone@example.test", 550), ("busy@example.test", 451)],
            client.Rejected);
        Assert.Equal(["ok@example.test"], Assert.Single(server.Messages).Recipients);
    }

    [Fact]
    public async Task Rejected_recipient_makes_a_plain_MailKit_client_throw()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OnRcpt = _ => new SmtpReply(550, "5.1.1", "No such user");
        using var client = await ConnectAsync(server);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("hi", "gone@example.test")));

        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, error.StatusCode);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task DATA_without_an_accepted_recipient_gets_554()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OnRcpt = _ => new SmtpReply(550, "5.1.1", "No such user");
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        await connection.SendAsync("MAIL FROM:<>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n");
        var replies = await connection.ReadRepliesAsync(3);

        Assert.Equal([250, 550, 554], replies.Select(r => r.Code));
        Assert.Equal("554 5.5.1 No valid recipients", replies[2].Text);
    }

    [Fact]
    public async Task Unknown_commands_get_500_and_commands_out_of_sequence_get_503()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);
        await connection.ReadReplyAsync();

        await connection.SendAsync(
            "MAIL FROM:<a@example.test>\r\nHELO x\r\nRCPT TO:<b@example.test>\r\nDATA\r\nFROB\r\n" +
            "MAIL FROM:<a@example.test>\r\nMAIL FROM:<a@example.test>\r\nVRFY someone\r\nRSET\r\nMAIL TO:<x>\r\n" +
            "STARTTLS\r\nAUTH PLAIN AGEAYg==\r\n" + new string('z', 1500) + "\r\nNOOP\r\n");
        var replies = await connection.ReadRepliesAsync(14);

        Assert.Equal([503, 250, 503, 503, 500, 250, 503, 252, 250, 501, 454, 502, 500, 250], replies.Select(r => r.Code));
        Assert.Equal("500 5.5.1 Command unrecognized", replies[4].Text);
        Assert.Equal("500 5.5.2 Line too long", replies[12].Text);
    }

    [Fact]
    public async Task OnData_reply_is_sent_and_a_rejected_message_is_not_recorded()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OnData = message => message.Text.Contains("spam", StringComparison.Ordinal)
            ? new SmtpReply(554, "5.7.1", "Looks like spam")
            : SmtpReply.Ok("Fine");
        using var client = await ConnectAsync(server);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("spam spam", "a@example.test")));
        var response = await client.SendAsync(NewMessage("ham", "a@example.test"));

        Assert.Equal(SmtpErrorCode.MessageNotAccepted, error.ErrorCode);
        Assert.Equal("5.7.1 Looks like spam", error.Message);
        Assert.Equal("2.0.0 Fine", response);
        Assert.Contains("ham", Assert.Single(server.Messages).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throwing_behavior_script_is_answered_with_451()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OnRcpt = _ => throw new InvalidOperationException("script bug");
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        await connection.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
        var replies = await connection.ReadRepliesAsync(2);

        Assert.Equal("451 4.3.0 DevSmtp behavior threw InvalidOperationException: script bug", replies[1].Text);
    }

    [Fact]
    public async Task Stalled_reply_after_the_dot_makes_the_client_time_out_but_the_message_is_recorded()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.Data = DataBehavior.StallAfterDot;
        using var client = await ConnectAsync(server);
        client.Timeout = 1000;

        var started = Stopwatch.GetTimestamp();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.SendAsync(NewMessage("stall", "a@example.test")));

        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(900), $"failed too early with {error}");
        Assert.Contains("stall", Assert.Single(server.Messages).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stalled_connection_stays_open_and_silent()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.Data = DataBehavior.StallAfterDot;
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        await connection.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        await connection.ReadRepliesAsync(3);
        await connection.SendAsync("body\r\n.\r\nQUIT\r\n");

        Assert.False(await connection.IsClosedByServerAsync(TimeSpan.FromMilliseconds(500)));
        await server.WaitForMessagesAsync(1, WaitTimeout);
    }

    [Fact]
    public async Task Dropped_connection_after_the_dot_fails_the_client_but_the_message_is_recorded()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.Data = DataBehavior.DropAfterDot;
        using var client = await ConnectAsync(server);

        await Assert.ThrowsAsync<SmtpProtocolException>(() => client.SendAsync(NewMessage("dropped", "a@example.test")));

        Assert.Contains("dropped", Assert.Single(server.Messages).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dropped_connection_before_the_dot_records_nothing()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.Data = DataBehavior.DropBeforeDot;
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        await connection.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        Assert.Equal([250, 250, 354], (await connection.ReadRepliesAsync(3)).Select(r => r.Code));
        await connection.SendAsync("Subject: first bytes\r\n");

        Assert.True(await connection.IsClosedByServerAsync(WaitTimeout));
        Assert.Empty(server.Messages);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task STARTTLS_with_a_self_signed_certificate_then_AUTH_marks_the_message(string mechanism)
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions
        {
            Certificate = Certificate.Value,
            Username = "relay",
            Password = "s3cret",
        });
        using var client = NewTlsClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
        client.AuthenticationMechanisms.RemoveWhere(m => m != mechanism);

        await client.AuthenticateAsync("relay", "s3cret");
        await client.SendAsync(NewMessage("secret", "a@example.test"));

        var message = Assert.Single(server.Messages);
        Assert.True(message.Tls);
        Assert.True(message.Authenticated);
        Assert.Equal(2, server.Commands.Count(c => c.StartsWith("EHLO ", StringComparison.Ordinal)));
        var secret = Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cret"));
        Assert.DoesNotContain(server.Commands, c => c.Contains(secret, StringComparison.Ordinal) || c.Contains("AHJlbGF5", StringComparison.Ordinal));
        Assert.Contains(server.Commands, c => c.StartsWith("AUTH " + mechanism, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AUTH_is_offered_only_after_STARTTLS_and_MAIL_before_AUTH_gets_530()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions
        {
            Certificate = Certificate.Value,
            Username = "relay",
            Password = "s3cret",
        });
        await using (var connection = await RawSmtpConnection.ConnectAsync(server.Port))
        {
            await connection.ReadReplyAsync();
            await connection.SendAsync("EHLO plain.test\r\nAUTH PLAIN AHJlbGF5AHMzY3JldA==\r\n");
            var replies = await connection.ReadRepliesAsync(2);

            Assert.Contains("250 STARTTLS", replies[0].Lines);
            Assert.DoesNotContain(replies[0].Lines, line => line.Contains("AUTH", StringComparison.Ordinal));
            Assert.Equal(538, replies[1].Code);
        }

        using var client = NewTlsClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        Assert.Contains("LOGIN", client.AuthenticationMechanisms);

        // MailKit turns the 530 into its own exception type.
        var error = await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => client.SendAsync(NewMessage("x", "a@example.test")));
        Assert.Equal("5.7.0 Authentication required", error.Message);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task STARTTLS_forgets_plaintext_pipelined_behind_it_and_requires_a_new_EHLO()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions
        {
            Certificate = Certificate.Value,
            Username = "relay",
            Password = "s3cret",
        });
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        await connection.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", (await connection.ReadReplyAsync()).Text);
        await connection.UpgradeToTlsAsync(Certificate.Value);
        await connection.SendAsync("AUTH PLAIN AHJlbGF5AHMzY3JldA==\r\nEHLO tls.test\r\nSTARTTLS\r\nAUTH PLAIN AHJlbGF5AHMzY3JldA==\r\n");
        var replies = await connection.ReadRepliesAsync(4);

        Assert.Equal([503, 250, 503, 235], replies.Select(r => r.Code));
        Assert.Equal("250 AUTH PLAIN LOGIN", replies[1].Lines[^1]);
        Assert.DoesNotContain(replies[1].Lines, line => line.Contains("STARTTLS", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Commands, c => c.Contains("injected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_password_is_rejected_with_535()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions
        {
            Certificate = Certificate.Value,
            Username = "relay",
            Password = "s3cret",
        });
        using var client = NewTlsClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("relay", "wrong"));
        await client.AuthenticateAsync("relay", "s3cret");
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task Dispose_closes_open_connections_and_a_new_server_can_bind_the_same_port()
    {
        var first = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        var port = first.Port;
        first.Behavior.Data = DataBehavior.StallAfterDot;
        using var client = await ConnectAsync(first);
        await using var idle = await RawSmtpConnection.ConnectAndGreetAsync(port);
        var stalled = client.SendAsync(NewMessage("stalled", "a@example.test"));
        await first.WaitForMessagesAsync(1, WaitTimeout);

        await first.DisposeAsync();

        Assert.True(await idle.IsClosedByServerAsync(WaitTimeout));
        await Assert.ThrowsAnyAsync<Exception>(() => stalled);
        using (var refused = new TcpClient())
        {
            await Assert.ThrowsAnyAsync<SocketException>(() => refused.ConnectAsync("127.0.0.1", port));
        }

        await using var second = await SmtpTestServer.StartAsync(new SmtpServerOptions { Port = port });
        using var again = await ConnectAsync(second);
        await again.SendAsync(NewMessage("back", "a@example.test"));

        Assert.Equal(port, second.Port);
        Assert.Single(second.Messages);
    }

    [Fact]
    public async Task Connections_and_commands_are_recorded_including_RSET()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        using (var client = await ConnectAsync(server))
        {
            await client.SendAsync(NewMessage("one", "a@example.test"));
            await client.DisconnectAsync(quit: true);
        }

        await using (var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port))
        {
            await connection.SendAsync("mail from:<x@example.test>\r\nRSET\r\nQUIT\r\n");
            await connection.ReadRepliesAsync(3);
        }

        Assert.Equal(2, server.ConnectionCount);
        var commands = server.Commands;
        Assert.Equal(2, commands.Count(c => c.StartsWith("EHLO ", StringComparison.Ordinal)));
        Assert.Contains("MAIL FROM:<sender@example.test> SIZE=", string.Join('\n', commands), StringComparison.Ordinal);
        Assert.Equal(["RCPT TO:<a@example.test>", "DATA", "QUIT"], commands.Skip(2).Take(3));
        Assert.Equal(["EHLO raw.test", "MAIL from:<x@example.test>", "RSET", "QUIT"], commands.TakeLast(4));
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Message_over_the_size_limit_is_refused_with_552()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions { MaxMessageSize = 100 });
        await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);

        await connection.SendAsync(
            "MAIL FROM:<a@example.test> SIZE=101\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        var replies = await connection.ReadRepliesAsync(4);
        await connection.SendAsync(new string('x', 150) + "\r\n.\r\nNOOP\r\n");
        replies.AddRange(await connection.ReadRepliesAsync(2));

        Assert.Equal([552, 250, 250, 354, 552, 250], replies.Select(r => r.Code));
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", replies[4].Text);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Refusing_greeting_answers_503_until_QUIT()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.Greeting = new SmtpReply(554, "5.3.2", "Not accepting mail");
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);

        Assert.Equal("554 5.3.2 Not accepting mail", (await connection.ReadReplyAsync()).Text);
        await connection.SendAsync("EHLO x\r\nQUIT\r\n");

        Assert.Equal([503, 221], (await connection.ReadRepliesAsync(2)).Select(r => r.Code));
        Assert.True(await connection.IsClosedByServerAsync(WaitTimeout));
    }

    [Fact]
    public async Task Greeting_421_closes_the_connection_at_once()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.Greeting = new SmtpReply(421, "4.3.2", "Shutting down");
        using var client = new SmtpClient();

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None));

        Assert.Equal(SmtpStatusCode.ServiceNotAvailable, error.StatusCode);
    }

    [Fact]
    public async Task Behavior_changes_take_effect_on_an_open_connection()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        using var client = await ConnectAsync(server);
        await client.SendAsync(NewMessage("first", "a@example.test"));

        server.Behavior.OnRcpt = _ => new SmtpReply(451, "4.7.1", "Greylisted");
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("second", "a@example.test")));
        server.Behavior.OnRcpt = _ => new SmtpReply(250, "2.1.5", "Ok");
        await client.SendAsync(NewMessage("third", "a@example.test"));

        Assert.Equal(451, (int)error.StatusCode);
        Assert.Equal(2, server.Messages.Count);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task WaitForMessagesAsync_returns_when_messages_arrive_and_times_out_with_a_helpful_message()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        var waiting = server.WaitForMessagesAsync(2, WaitTimeout);
        using var client = await ConnectAsync(server);
        await client.SendAsync(NewMessage("one", "a@example.test"));
        Assert.False(waiting.IsCompleted);
        await client.SendAsync(NewMessage("two", "a@example.test"));
        await waiting;

        var error = await Assert.ThrowsAsync<TimeoutException>(() => server.WaitForMessagesAsync(3, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("Expected 3 message(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("received 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<a@example.test>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepted_messages_are_saved_as_eml_files_in_order()
    {
        var directory = Path.Combine(Path.GetTempPath(), "devsmtp-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions { SaveDirectory = directory });
            using var client = await ConnectAsync(server);
            await client.SendAsync(NewMessage("first", "a@example.test"));
            await client.SendAsync(NewMessage("second", "a@example.test"));

            var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToArray();
            var messages = server.Messages;
            Assert.Equal(
                [$"000001-{messages[0].Id}.eml", $"000002-{messages[1].Id}.eml"],
                files.Select(Path.GetFileName));
            Assert.Equal(messages[1].Data, await File.ReadAllBytesAsync(files[1]));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task History_can_be_switched_off_while_counting_and_events_keep_working()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions { RecordHistory = false });
        var seen = new List<ReceivedMessage>();
        server.MessageReceived += (_, message) => seen.Add(message);
        using var client = await ConnectAsync(server);

        await client.SendAsync(NewMessage("one", "a@example.test"));
        await server.WaitForMessagesAsync(1, WaitTimeout);

        Assert.Empty(server.Messages);
        Assert.Empty(server.Commands);
        Assert.Single(seen);
    }

    [Fact]
    public async Task Many_pipelined_messages_on_concurrent_connections_are_all_received()
    {
        const int connections = 4;
        const int perConnection = 250;
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        var transaction = "MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n" +
                          "Subject: load\r\n\r\n" + new string('x', 2000) + "\r\n.\r\n";
        var burst = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(transaction, perConnection)));

        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var connection = await RawSmtpConnection.ConnectAndGreetAsync(server.Port);
            var replies = connection.ReadRepliesAsync(perConnection * 4);
            await connection.SendAsync(burst);
            Assert.All(await replies, reply => Assert.True(reply.Code is 250 or 354, reply.Text));
        }));
        await server.WaitForMessagesAsync(connections * perConnection, WaitTimeout);

        // Every pipelined transaction accepted and stored; how fast is the benchmark's business, not a test's.
        Assert.Equal(connections * perConnection, server.Messages.Count);
    }

    [Fact]
    public void Self_signed_certificate_covers_the_hostname_and_loopback_and_has_its_key()
    {
        using var certificate = SelfSignedCertificate.Create("smarthost.test");

        Assert.True(certificate.HasPrivateKey);
        Assert.True(certificate.MatchesHostname("smarthost.test"));
        Assert.True(certificate.MatchesHostname("127.0.0.1"));
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.NotEmpty(certificate.Export(X509ContentType.Pkcs12));
    }

    private static async Task<SmtpClient> ConnectAsync(SmtpTestServer server)
    {
        var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        return client;
    }

    private static SmtpClient NewTlsClient() => new()
    {
        CheckCertificateRevocation = false,
        // Pinning the test certificate keeps validation meaningful without trusting it machine-wide.
        ServerCertificateValidationCallback = (_, certificate, _, _) =>
            certificate?.GetCertHashString() == Certificate.Value.GetCertHashString(),
    };

    private static MimeMessage NewMessage(string body, params string[] recipients)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.test"));
        foreach (var recipient in recipients)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Subject = "Test";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>Client-side transparency (RFC 5321 4.5.2): a leading dot is doubled.</summary>
    private static string Stuff(string content) =>
        string.Join("\r\n", content.Split("\r\n").Select(line => line.StartsWith('.') ? "." + line : line));

    /// <summary>Collects rejected recipients instead of aborting the send, as a relay would.</summary>
    private sealed class RecordingSmtpClient : SmtpClient
    {
        public List<(string Address, int Status)> Rejected { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected.Add((mailbox.Address, (int)response.StatusCode));
    }
}
