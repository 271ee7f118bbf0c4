using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailRelay.DevSmtp;
using EmailRelay.IntegrationTests.Infrastructure;
using MimeKit;

namespace EmailRelay.IntegrationTests.Delivery;

[Collection(StandardStackCollection.Name)]
public sealed class DeliveryTests(StandardStack fixture) : IDisposable
{
    private readonly RelayStack _stack = fixture.Stack;

    public void Dispose()
    {
        // Leave the shared smarthost in its default behaviour for the next test.
        _stack.Smtp.Behavior.OnRcpt = _ => new SmtpReply(250, "2.1.5", "Ok");
        _stack.Smtp.Behavior.OnData = m => SmtpReply.Ok($"Ok: queued as {m.Id}");
        _stack.Smtp.Behavior.Data = DataBehavior.Reply;
    }

    [Fact]
    public async Task Accepted_email_is_delivered_byte_exact_and_its_attempt_and_events_show_the_reply()
    {
        var ana = Emails.Unique("ana");
        var bob = Emails.Unique("bob", "example.org");
        var pdf = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31 % 256)).ToArray();
        var logo = Encoding.ASCII.GetBytes("\x89PNG fake image bytes");
        var id = await _stack.SendAsync(new Dictionary<string, object?>
        {
            ["from"] = "Acme Billing <billing@acme.example>",
            ["to"] = new[] { ana, $"Bob Example <{bob}>" },
            ["reply_to"] = new[] { "support@acme.example" },
            ["subject"] = "Your receipt — №42",
            ["text"] = "Thanks for your order.\nLine two with ünïcode.",
            ["html"] = "<p>Thanks for your <b>order</b>.</p><img src=\"cid:logo@acme\">",
            ["headers"] = new Dictionary<string, string> { ["X-Campaign"] = "receipts", ["List-Unsubscribe"] = "<mailto:unsub@acme.example>" },
            ["attachments"] = new object[]
            {
                new Dictionary<string, object?> { ["filename"] = "receipt.pdf", ["content_type"] = "application/pdf", ["content"] = Convert.ToBase64String(pdf) },
                new Dictionary<string, object?> { ["filename"] = "logo.png", ["content"] = Convert.ToBase64String(logo), ["content_id"] = "logo@acme" },
            },
            ["tags"] = new[] { "receipt" },
            ["metadata"] = new Dictionary<string, string> { ["order_id"] = "1234" },
        });

        var email = await _stack.WaitForStatusAsync(id, "delivered");
        var received = _stack.Smtp.Messages.Single(m => m.Recipients.Contains(ana));

        // The smarthost got exactly the MIME stored at accept time, for each recipient in its own
        // transaction with its own VERP return path (VerpTests).
        var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        // Below this hop's Received field (Signing/TraceField.cs) and nothing else: no signing key here.
        Assert.Equal(stored, received.Data[^stored!.Length..]);
        Assert.StartsWith($"Received: by ", Encoding.ASCII.GetString(received.Data[..^stored.Length]), StringComparison.Ordinal);
        Assert.Equal([ana], received.Recipients);
        Assert.Equal(stored, _stack.Smtp.Messages.Single(m => m.Recipients.Contains(bob)).Data[^stored.Length..]);
        Assert.StartsWith("bounces+", received.MailFrom, StringComparison.Ordinal);

        var mime = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.Equal("Your receipt — №42", mime.Subject);
        Assert.Equal("receipts", mime.Headers["X-Campaign"]);
        Assert.Equal("<mailto:unsub@acme.example>", mime.Headers["List-Unsubscribe"]);
        Assert.Equal(email.Str("message_id"), $"<{mime.MessageId}>");
        Assert.Equal("Thanks for your order.\nLine two with ünïcode.", mime.TextBody?.ReplaceLineEndings("\n"));
        var attachment = mime.Attachments.OfType<MimePart>().Single(a => a.FileName == "receipt.pdf");
        using (var decoded = new MemoryStream())
        {
            attachment.Content!.DecodeTo(decoded);
            Assert.Equal(pdf, decoded.ToArray());
        }
        var inline = mime.BodyParts.OfType<MimePart>().Single(p => p.ContentId == "logo@acme");
        using (var decoded = new MemoryStream())
        {
            inline.Content!.DecodeTo(decoded);
            Assert.Equal(logo, decoded.ToArray());
        }
        Assert.DoesNotContain(mime.Headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));

        var expectedReply = $"250 2.0.0 Ok: queued as {received.Id}";
        var recipient = email.Recipient(ana);
        Assert.Equal("delivered", recipient.Str("status"));
        Assert.Equal(250, recipient.GetProperty("last_reply_code").GetInt32());
        Assert.Equal("2.0.0", recipient.Str("last_enhanced_code"));
        Assert.Equal(expectedReply, recipient.Str("last_reply"));

        var delivered = email.Events("delivered").Single(e => e.Str("recipient") == ana);
        Assert.Equal(expectedReply, delivered.Str("reply"));
        Assert.Equal(250, delivered.GetProperty("reply_code").GetInt32());
        Assert.Equal([1, 2, 3, 4], email.Events().Select(e => e.GetProperty("sequence").GetInt32()).ToArray());
        Assert.Equal(["queued", "queued", "delivered", "delivered"], email.Events().Select(e => e.Str("type")).ToArray());

        var attempts = await _stack.GetAttemptsAsync(id);
        Assert.Equal(2, attempts.GetArrayLength());
        var attempt = attempts.EnumerateArray().Single(a => a.Str("recipient") == ana);
        Assert.Equal(1, attempt.GetProperty("attempt").GetInt32());
        Assert.Equal("delivered", attempt.Str("outcome"));
        Assert.Equal(expectedReply, attempt.Str("reply"));
        Assert.Equal("127.0.0.1", attempt.Str("remote_ip"));
        Assert.False(attempt.GetProperty("tls").GetBoolean());
        Assert.False(attempt.GetProperty("ambiguous").GetBoolean());
    }

    [Fact]
    public async Task Deferred_recipient_is_retried_on_the_schedule_until_delivered()
    {
        var carol = Emails.Unique("carol");
        var tries = 0;
        _stack.Smtp.Behavior.OnRcpt = address => address == carol && Interlocked.Increment(ref tries) == 1
            ? new SmtpReply(451, "4.3.0", "Temporary local problem, try later")
            : new SmtpReply(250, "2.1.5", "Ok");

        var id = await _stack.SendAsync(Emails.Simple(carol));
        var email = await _stack.WaitForStatusAsync(id, "delivered");

        var attempts = (await _stack.GetAttemptsAsync(id)).EnumerateArray().ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal("deferred", attempts[0].Str("outcome"));
        Assert.Equal(451, attempts[0].GetProperty("reply_code").GetInt32());
        Assert.Equal("451 4.3.0 Temporary local problem, try later", attempts[0].Str("reply"));
        Assert.Equal("delivered", attempts[1].Str("outcome"));
        Assert.Equal(2, attempts[1].GetProperty("attempt").GetInt32());
        // The retry waited for the first slot of the schedule (1 s here).
        var gap = attempts[1].GetProperty("started_at").GetDateTimeOffset() - attempts[0].GetProperty("started_at").GetDateTimeOffset();
        Assert.True(gap >= TimeSpan.FromSeconds(0.9), $"retried after {gap}");

        Assert.Equal(["queued", "deferred", "delivered"], email.Events().Select(e => e.Str("type")).ToArray());
        var deferred = email.Events("deferred").Single();
        Assert.Equal("451 4.3.0 Temporary local problem, try later", deferred.Str("reply"));
        Assert.True(deferred.TryGetProperty("next_attempt_at", out _));
        Assert.Equal(2, email.Recipient(carol).GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Rejected_recipient_bounces_with_the_reply_verbatim()
    {
        var dave = Emails.Unique("dave");
        _stack.Smtp.Behavior.OnRcpt = address => address == dave
            ? new SmtpReply(550, "5.1.1", "<" + dave + ">: Recipient address rejected: User unknown")
            : new SmtpReply(250, "2.1.5", "Ok");

        var id = await _stack.SendAsync(Emails.Simple(dave));
        var email = await _stack.WaitForStatusAsync(id, "bounced");

        var recipient = email.Recipient(dave);
        var reply = $"550 5.1.1 <{dave}>: Recipient address rejected: User unknown";
        Assert.Equal(reply, recipient.Str("last_reply"));
        Assert.Equal(550, recipient.GetProperty("last_reply_code").GetInt32());
        Assert.Equal("5.1.1", recipient.Str("last_enhanced_code"));
        Assert.Equal("user_unknown", recipient.Str("bounce_reason"));
        var bounced = email.Events("bounced").Single();
        Assert.Equal(reply, bounced.Str("reply"));
        Assert.Equal("user_unknown", bounced.Str("bounce_reason"));
        Assert.True(bounced.GetProperty("hard").GetBoolean());
        Assert.Single((await _stack.GetAttemptsAsync(id)).EnumerateArray());
        Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Contains(dave));
    }

    [Fact]
    public async Task Mixed_replies_in_one_transaction_give_each_recipient_its_own_outcome()
    {
        var ok = Emails.Unique("ok");
        var unknown = Emails.Unique("unknown");
        var busy = Emails.Unique("busy");
        _stack.Smtp.Behavior.OnRcpt = address =>
            address == unknown ? new SmtpReply(550, "5.1.1", "No such user")
            : address == busy ? new SmtpReply(452, "4.2.2", "Mailbox full, try later")
            : new SmtpReply(250, "2.1.5", "Ok");

        var id = await _stack.SendAsync(Emails.Simple(ok, unknown, busy));
        var email = await _stack.WaitForEmailAsync(id, e =>
            e.Recipient(ok).Str("status") == "delivered" && e.Recipient(unknown).Str("status") == "bounced" &&
            e.Recipient(busy).Str("status") == "deferred");

        Assert.Equal("deferred", email.Str("status"));
        Assert.Equal("mailbox_full", email.Recipient(busy).Str("bounce_reason"));
        Assert.Equal("452 4.2.2 Mailbox full, try later", email.Recipient(busy).Str("last_reply"));
        // The message went to `ok` only.
        var received = _stack.Smtp.Messages.Single(m => m.Recipients.Contains(ok));
        Assert.Equal([ok], received.Recipients);

        // The busy mailbox frees up: the message ends partially delivered (one bounce, two deliveries).
        _stack.Smtp.Behavior.OnRcpt = address => address == unknown ? new SmtpReply(550, "5.1.1", "No such user") : new SmtpReply(250, "2.1.5", "Ok");
        email = await _stack.WaitForStatusAsync(id, "partially_delivered");
        Assert.Equal("delivered", email.Recipient(busy).Str("status"));
        Assert.Equal("bounced", email.Recipient(unknown).Str("status"));
    }

    [Fact]
    public async Task Stall_after_the_final_dot_is_deferred_as_ambiguous_then_delivered()
    {
        var erin = Emails.Unique("erin");
        _stack.Smtp.Behavior.Data = DataBehavior.StallAfterDot;
        var id = await _stack.SendAsync(Emails.Simple(erin));

        var email = await _stack.WaitForEmailAsync(id, e => e.Recipient(erin).GetProperty("attempts").GetInt32() >= 1, TimeSpan.FromSeconds(20));
        _stack.Smtp.Behavior.Data = DataBehavior.Reply;
        email = await _stack.WaitForStatusAsync(id, "delivered");

        var attempts = (await _stack.GetAttemptsAsync(id)).EnumerateArray().ToList();
        Assert.Equal("deferred", attempts[0].Str("outcome"));
        Assert.True(attempts[0].GetProperty("ambiguous").GetBoolean());
        Assert.Contains("after DATA", attempts[0].Str("reply"), StringComparison.Ordinal);
        Assert.Equal("delivered", attempts[^1].Str("outcome"));
        // The server kept the stalled copy too: this is the duplicate RFC 5321 §4.5.3.2.6 warns about.
        Assert.True(_stack.Smtp.Messages.Count(m => m.Recipients.Contains(erin)) >= 2);
        Assert.Contains(email.Events("deferred"), e => e.TryGetProperty("ambiguous", out var a) && a.GetBoolean());
    }

    [Fact]
    public async Task Sessions_are_reused_across_messages_and_RSET_after_a_transaction_cut_short()
    {
        var refused = Emails.Unique("refused");
        _stack.Smtp.Behavior.OnRcpt = address => address == refused ? new SmtpReply(550, "5.1.1", "No such user") : new SmtpReply(250, "2.1.5", "Ok");
        // The counts below are over the shared server's whole log: nothing else may be sent meanwhile.
        await _stack.WaitForQuietAsync();
        var before = _stack.Smtp.ConnectionCount;
        var commandsBefore = _stack.Smtp.Commands.Count;
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await _stack.SendAsync(Emails.Simple(Emails.Unique("reuse"))));
            await _stack.WaitForStatusAsync(ids[^1], "delivered");
        }
        var bounced = await _stack.SendAsync(Emails.Simple(refused));
        await _stack.WaitForStatusAsync(bounced, "bounced");
        var after = await _stack.SendAsync(Emails.Simple(Emails.Unique("after")));
        await _stack.WaitForStatusAsync(after, "delivered");

        var opened = _stack.Smtp.ConnectionCount - before;
        var commands = _stack.Smtp.Commands.Skip(commandsBefore).ToList();
        Assert.True(opened < 5, $"{opened} connections for 22 messages sent one after another");
        Assert.True(commands.Count(c => c.StartsWith("EHLO", StringComparison.Ordinal)) <= opened);
        Assert.Equal(22, commands.Count(c => c.StartsWith("MAIL", StringComparison.Ordinal)));
        // A completed transaction leaves the session reset (RFC 5321 §4.1.1.4); the refused one is RSET
        // before its session carries the next message.
        var refusedAt = commands.FindIndex(c => c.Contains(refused, StringComparison.Ordinal));
        var nextMail = commands.FindIndex(refusedAt, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Contains("RSET", commands.Skip(refusedAt).Take(nextMail < 0 ? commands.Count : nextMail - refusedAt));
        Assert.Equal(1, commands.Count(c => c == "RSET"));
    }

    [Fact]
    public async Task Scheduled_email_waits_for_send_at()
    {
        var frank = Emails.Unique("frank");
        var body = Emails.Simple(frank);
        var sendAt = DateTimeOffset.UtcNow.AddSeconds(3);
        body["send_at"] = sendAt;
        // The status is read from the 202, written with the accept: a later read on a slow machine
        // could already find it due.
        using var response = await _stack.PostJsonAsync("v1/emails", body);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("scheduled", accepted.Str("status"));
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal("scheduled", (await _stack.GetEmailAsync(id)).Events().First().Str("type"));

        var email = await _stack.WaitForStatusAsync(id, "delivered");
        // No attempt began before send_at: the first one's start, not the delivery's end, says so.
        var started = (await _stack.GetAttemptsAsync(id)).EnumerateArray().Min(a => a.GetProperty("started_at").GetDateTimeOffset());
        Assert.True(started >= sendAt.AddMilliseconds(-50), $"first attempt started at {started:O}, send_at {sendAt:O}");
        Assert.True(email.Recipient(frank).GetProperty("delivered_at").GetDateTimeOffset() >= started);
    }
}
