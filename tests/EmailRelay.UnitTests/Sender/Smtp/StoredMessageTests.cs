using System.Text;
using EmailRelay.DevSmtp;
using EmailRelay.Sender.Smtp;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.UnitTests.Sender.Smtp;

public sealed class StoredMessageTests
{
    private static readonly byte[] Trace = "Received: by relay.test (EmailRelay) with HTTP id 0195;\r\n\tMon, 6 Jan 2025 10:00:01 +0000\r\n"u8.ToArray();
    private static readonly byte[] Signature = "DKIM-Signature: v=1; a=rsa-sha256; d=acme.test; s=s1;\r\n\tb=AAAA\r\n"u8.ToArray();

    [Fact]
    public async Task Writes_the_stored_bytes_unchanged_after_the_prepended_fields()
    {
        var stored = StoredMessages.Awkward();
        var message = StoredMessage.Parse(stored);
        message.Prepend(Trace);
        message.Prepend(Signature);

        byte[] expected = [.. Signature, .. Trace, .. stored];
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(Write(message)));
        Assert.Equal(expected, Write(message));
        using var buffer = new MemoryStream();
        await message.WriteToAsync(MailKitFormat(), buffer);
        Assert.Equal(expected, buffer.ToArray());
        Assert.Equal(2, message.PrependedFields);
    }

    [Fact]
    public void Its_header_fields_read_as_parsed_and_stay_as_stored()
    {
        var message = StoredMessage.Parse(StoredMessages.Awkward());

        Assert.Equal("ana@acme.test", message.From.Mailboxes.Single().Address);
        Assert.Equal(["bob@example.test", "carol@example.test"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("0195a3b4@acme.test", message.MessageId);
        // Content-* fields belong to the body entity, the others to the message, as MimeKit parses them.
        Assert.Equal(["Content-Type", "Content-Transfer-Encoding"], message.Body!.Headers.Select(h => h.Field));
        Assert.DoesNotContain(message.Headers, h => h.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase));
        Assert.True(message.HeaderIsUtf8);
        Assert.False(StoredMessage.Parse(StoredMessages.SevenBit()).HeaderIsUtf8);
    }

    [Fact]
    public void A_body_without_a_final_line_break_gets_one_so_the_terminating_dot_stands_alone()
    {
        var stored = "From: a@acme.test\r\n\r\nno line break at the end"u8.ToArray();

        Assert.Equal([.. stored, .. "\r\n"u8], Write(StoredMessage.Parse(stored)));
    }

    [Fact]
    public void Preparing_for_a_7bit_server_changes_nothing()
    {
        var stored = StoredMessages.Awkward();
        var message = StoredMessage.Parse(stored);

        message.Prepare(EncodingConstraint.SevenBit, 78);

        Assert.Equal(stored, Write(message));
    }

    [Theory]
    [InlineData("plain ascii\r\n", ContentEncoding.SevenBit)]
    [InlineData("gr\u00fc\u00dfe\r\n", ContentEncoding.EightBit)]
    [InlineData("nul \0 byte\r\n", ContentEncoding.Binary)]
    public void Classifies_its_bytes_for_the_transport(string body, ContentEncoding expected)
    {
        var message = StoredMessage.Parse(Encoding.UTF8.GetBytes("From: a@acme.test\r\n\r\n" + body));

        Assert.Equal(expected, message.TransferClass);
    }

    [Fact]
    public void A_line_longer_than_998_octets_is_binary()
    {
        Assert.Equal(ContentEncoding.SevenBit, StoredMessage.Parse(Encoding.ASCII.GetBytes("From: a@acme.test\r\n\r\n" + new string('x', 998) + "\r\n")).TransferClass);
        Assert.Equal(ContentEncoding.Binary, StoredMessage.Parse(Encoding.ASCII.GetBytes("From: a@acme.test\r\n\r\n" + new string('x', 999) + "\r\n")).TransferClass);
    }

    [Fact]
    public void Prepending_anything_but_one_field_ending_in_crlf_is_refused()
    {
        var message = StoredMessage.Parse(StoredMessages.SevenBit());

        Assert.Throws<ArgumentException>(() => message.Prepend("Received: by x\n"u8.ToArray()));
        Assert.Throws<ArgumentException>(() => message.Prepend("not a field\r\n"u8.ToArray()));
    }

    [Fact]
    public async Task Sent_with_MailKit_the_server_receives_exactly_the_prepended_fields_and_the_stored_bytes_with_8BITMIME_declared()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        var stored = StoredMessages.Awkward();
        var message = StoredMessage.Parse(stored);
        message.Prepend(Trace);

        await client.SendAsync(message, MailboxAddress.Parse("bounces@acme.test"), [MailboxAddress.Parse("bob@example.test")]);

        // The server undid the dot-stuffing: what it holds is what was written, line for line.
        var received = Assert.Single(server.Messages);
        Assert.Equal([.. Trace, .. stored], received.Data);
        var mail = Assert.Single(server.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Contains("BODY=8BITMIME", mail, StringComparison.Ordinal);
        Assert.Contains($"SIZE={Trace.Length + stored.Length}", mail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_7bit_message_is_sent_without_a_BODY_parameter()
    {
        await using var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        var stored = StoredMessages.SevenBit();

        await client.SendAsync(StoredMessage.Parse(stored), MailboxAddress.Parse("bounces@acme.test"), [MailboxAddress.Parse("bob@example.test")]);

        Assert.Equal(stored, Assert.Single(server.Messages).Data);
        var mail = Assert.Single(server.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.DoesNotContain("BODY=", mail, StringComparison.Ordinal);
    }

    /// <summary>The options MailKit writes DATA with: CRLF, and a final line break ensured.</summary>
    private static FormatOptions MailKitFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        return options;
    }

    private static byte[] Write(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(MailKitFormat(), buffer);
        return buffer.ToArray();
    }
}
