using EmailRelay.Data.Bounces;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// DESIGN.md §5: the envelope sender is a VERP address on the bounce domain, one per recipient, so
/// every stack here sends one transaction per recipient, each with its own token.
/// </summary>
[Collection(StandardStackCollection.Name)]
public sealed class VerpTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;
    private static readonly VerpToken Tokens = new(RelayStack.BounceSecret);

    [Fact]
    public async Task Each_recipient_gets_its_own_transaction_whose_return_path_decodes_to_its_message_and_ordinal()
    {
        var ana = Emails.Unique("ana");
        var bob = Emails.Unique("bob", "example.org");
        var body = Emails.Simple(ana);
        body["cc"] = new[] { $"Bob <{bob}>" };
        var id = await _stack.SendAsync(body);

        await _stack.WaitForStatusAsync(id, "delivered");

        var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        var transactions = new[] { ana, bob }.Select(to => _stack.Smtp.Messages.Single(m => m.Recipients.Contains(to))).ToList();
        for (var ordinal = 0; ordinal < transactions.Count; ordinal++)
        {
            var received = transactions[ordinal];
            Assert.Single(received.Recipients);
            Assert.Equal(stored, received.Data[^stored!.Length..]);   // below this hop's Received field
            Assert.Matches($"^bounces\\+[a-z2-7]{{{VerpToken.Length}}}@{RelayStack.BounceDomain.Replace(".", "\\.", StringComparison.Ordinal)}$",
                received.MailFrom);
            Assert.True(received.MailFrom.IndexOf('@', StringComparison.Ordinal) <= 64, received.MailFrom);
            Assert.True(Tokens.TryDecode(received.MailFrom, out var messageId, out var decoded), received.MailFrom);
            Assert.Equal((id, (short)ordinal), (messageId, decoded));
        }
        Assert.NotEqual(transactions[0].MailFrom, transactions[1].MailFrom);
        // One after another on the same pooled session.
        Assert.Equal(transactions[0].ConnectionId, transactions[1].ConnectionId);

        var attempts = (await _stack.GetAttemptsAsync(id)).EnumerateArray().ToList();
        Assert.Equal([ana, bob], attempts.Select(a => a.Str("recipient")).Order(StringComparer.Ordinal).ToArray());
        Assert.All(attempts, a => Assert.Equal("delivered", a.Str("outcome")));
    }

    [Fact]
    public async Task A_recipient_refused_in_its_transaction_bounces_alone_and_the_next_transaction_is_delivered()
    {
        var (first, refused, last) = (Emails.Unique("first"), Emails.Unique("refused"), Emails.Unique("last"));
        _stack.Smtp.Behavior.OnRcpt = address => address == refused ? new DevSmtp.SmtpReply(550, "5.1.1", "No such user") : new DevSmtp.SmtpReply(250, "2.1.5", "Ok");
        try
        {
            var id = await _stack.SendAsync(Emails.Simple(first, refused, last));

            var email = await _stack.WaitForStatusAsync(id, "partially_delivered");

            Assert.Equal(("delivered", "bounced", "delivered"),
                (email.Recipient(first).Str("status"), email.Recipient(refused).Str("status"), email.Recipient(last).Str("status")));
            Assert.True(email.Events("bounced").Single().GetProperty("hard").GetBoolean());
            Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Contains(refused));
            var returnPaths = _stack.Smtp.Messages.Where(m => m.Recipients.Contains(first) || m.Recipients.Contains(last)).Select(m => m.MailFrom).ToList();
            Assert.Equal(2, returnPaths.Distinct().Count());
        }
        finally
        {
            _stack.Smtp.Behavior.OnRcpt = _ => new DevSmtp.SmtpReply(250, "2.1.5", "Ok");
        }
    }
}

/// <summary>Without <c>Bounces__Domain</c>, delivery is as before VERP: one transaction, from the email's own address.</summary>
public sealed class VerpOffTests : IAsyncLifetime
{
    private RelayStack _stack = null!;

    public async Task InitializeAsync() => _stack = await RelayStack.StartAsync("verp-off", new Dictionary<string, string>
    {
        ["Bounces__Domain"] = "",
        ["Bounces__Secret"] = "",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Without_a_bounce_domain_one_transaction_carries_every_recipient_from_the_emails_address()
    {
        var ana = Emails.Unique("ana");
        var bob = Emails.Unique("bob");
        var id = await _stack.SendAsync(Emails.Simple(ana, bob));

        await _stack.WaitForStatusAsync(id, "delivered");

        var received = Assert.Single(_stack.Smtp.Messages);
        Assert.Equal([ana, bob], received.Recipients.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("no-reply@acme.example", received.MailFrom);
    }
}
