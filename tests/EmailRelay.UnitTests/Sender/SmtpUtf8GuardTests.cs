using System.Text;
using EmailRelay.Classification;
using EmailRelay.DevSmtp;
using EmailRelay.Sender.Smtp;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.UnitTests.Sender;

public sealed class SmtpUtf8GuardTests
{
    private static readonly MailboxAddress AsciiSender = MailboxAddress.Parse("billing@acme.example");
    private static readonly MailboxAddress Ana = MailboxAddress.Parse("ana@example.net");
    private static readonly MailboxAddress Jurgen = MailboxAddress.Parse("jürgen@example.net");

    private static async Task<(SmtpTestServer Server, SmtpClient Client)> ConnectAsync(bool offerSmtpUtf8)
    {
        var server = await SmtpTestServer.StartAsync(new SmtpServerOptions());
        server.Behavior.OfferSmtpUtf8 = offerSmtpUtf8;
        var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        return (server, client);
    }

    private static MimeMessage Message(params MailboxAddress[] to)
    {
        var message = new MimeMessage();
        message.From.Add(AsciiSender);
        message.To.AddRange(to);
        message.Subject = "x";
        message.Body = new TextPart("plain") { Text = "hi" };
        return message;
    }

    [Fact]
    public async Task MailKit_alone_sends_a_utf8_local_part_raw_to_a_server_that_did_not_offer_smtputf8()
    {
        // Why the guard exists: left to itself, MailKit writes the address as it is.
        var (server, client) = await ConnectAsync(offerSmtpUtf8: false);
        await using (server)
        using (client)
        {
            await client.SendAsync(Message(Ana), AsciiSender, [Jurgen]);

            Assert.Contains(server.Commands, c => c.StartsWith("RCPT", StringComparison.Ordinal) && !Ascii.IsValid(c));
        }
    }

    [Fact]
    public async Task Without_smtputf8_a_non_ascii_recipient_is_refused_with_5_6_7_and_an_ascii_one_is_not()
    {
        var (server, client) = await ConnectAsync(offerSmtpUtf8: false);
        await using (server)
        using (client)
        {
            var refusals = SmtpUtf8Guard.Refusals(client, "smarthost.test[127.0.0.1]", AsciiSender, [Ana, Jurgen]);

            var refusal = Assert.Single(refusals);
            Assert.Equal(Jurgen.Address, refusal.Key);
            Assert.Equal(553, refusal.Value.Code);
            Assert.Equal("5.6.7", refusal.Value.EnhancedCode);
            Assert.Equal("553 5.6.7 SMTPUTF8 is required for this recipient, but was not offered by host smarthost.test[127.0.0.1]", refusal.Value.Text);
        }
    }

    [Fact]
    public async Task Without_smtputf8_a_non_ascii_sender_refuses_every_recipient()
    {
        var (server, client) = await ConnectAsync(offerSmtpUtf8: false);
        await using (server)
        using (client)
        {
            var refusals = SmtpUtf8Guard.Refusals(client, "mx", MailboxAddress.Parse("jürgen@acme.example"), [Ana, Jurgen]);

            Assert.Equal([Ana.Address, Jurgen.Address], refusals.Keys.Order(StringComparer.Ordinal));
            Assert.All(refusals.Values, r => Assert.Contains("for the sender address", r.Text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_server_that_offers_smtputf8_gets_every_address()
    {
        var (server, client) = await ConnectAsync(offerSmtpUtf8: true);
        await using (server)
        using (client)
        {
            Assert.Empty(SmtpUtf8Guard.Refusals(client, "mx", MailboxAddress.Parse("jürgen@acme.example"), [Ana, Jurgen]));
        }
    }

    [Fact]
    public void An_internationalised_domain_alone_needs_no_smtputf8()
    {
        // The domain has an ASCII form (punycode); only a local part has none.
        Assert.False(SmtpUtf8Guard.NeedsSmtpUtf8(MailboxAddress.Parse("ana@bücher.example")));
        Assert.True(SmtpUtf8Guard.NeedsSmtpUtf8(MailboxAddress.Parse("用户@example.net")));
    }

    [Fact]
    public void The_refusal_classifies_as_a_bounce_that_does_not_suppress_the_address()
    {
        // The address may be fine: it is this route that cannot carry it, so no suppression.
        var result = ReplyClassifier.Default.ClassifyReply(SmtpUtf8Guard.ReplyCode, SmtpUtf8Guard.EnhancedCode,
            "553 5.6.7 SMTPUTF8 is required for this recipient, but was not offered by host mx");

        Assert.Equal(DeliveryOutcome.Bounced, result.Outcome);
        Assert.Equal(BounceReason.NotCompliantRfc, result.Reason);
        Assert.False(result.Hard);
    }
}
