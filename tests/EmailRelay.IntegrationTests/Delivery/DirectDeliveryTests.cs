using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;
using static EmailRelay.IntegrationTests.Delivery.DirectDeliveryFixture;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// Direct MX delivery (DESIGN.md §5, issue 9 point 4) against a real DNS server and real SMTP
/// servers: preference order, fallback to the next host, implicit MX, null MX and NXDOMAIN,
/// SERVFAIL, a named route with TLS required, and the plain-text retry after a broken handshake.
/// </summary>
public sealed class DirectDeliveryTests(DirectDeliveryFixture fixture) : IClassFixture<DirectDeliveryFixture>
{
    private readonly RelayStack _stack = fixture.Stack;
    private readonly MxServers _mx = fixture.Mx;

    private async Task<JsonElement> SingleAttemptAsync(Guid id, string to) =>
        (await _stack.GetAttemptsAsync(id)).EnumerateArray().Single(a => a.Str("recipient") == to);

    [Fact]
    public async Task The_most_preferred_mx_host_gets_the_message()
    {
        var to = Emails.Unique("pref", "pref.test");

        var id = await _stack.SendAsync(Emails.Simple(to));
        await _stack.WaitForStatusAsync(id, "delivered");

        Assert.Single(_mx[PreferredFirst].Messages, m => m.Recipients.Contains(to));
        Assert.DoesNotContain(_mx[PreferredSecond].Messages, m => m.Recipients.Contains(to));
        var attempt = await SingleAttemptAsync(id, to);
        Assert.Equal("a.pref.test", attempt.Str("remote_host"));
        Assert.Equal(PreferredFirst, attempt.Str("remote_ip"));
        // The pooling and per-destination metrics reach the Prometheus endpoint.
        var sender = _stack.Senders[0];
        Assert.True(await _stack.CounterAsync(sender, "emailrelay_smtp_connections_opened_total") >= 1);
        Assert.True(await _stack.CounterAsync(sender, "emailrelay_delivery_attempts_total") >= 1);
    }

    [Fact]
    public async Task A_refused_connection_and_a_421_greeting_move_on_to_the_next_mx_host()
    {
        var to = Emails.Unique("order", "order.test");
        var greeted = _mx[Greets421].ConnectionCount;

        var id = await _stack.SendAsync(Emails.Simple(to));
        await _stack.WaitForStatusAsync(id, "delivered");

        // mx1 refused the connection, mx2 said 421 at the greeting, mx3 took it: one attempt.
        Assert.True(_mx[Greets421].ConnectionCount > greeted, "mx2 (421 greeting) was never tried");
        Assert.Empty(_mx[Greets421].Messages);
        Assert.Single(_mx[OrderLast].Messages, m => m.Recipients.Contains(to));
        var attempt = await SingleAttemptAsync(id, to);
        Assert.Equal("mx3.order.test", attempt.Str("remote_host"));
        Assert.Equal(OrderLast, attempt.Str("remote_ip"));
        Assert.Equal(1, attempt.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task A_domain_without_mx_is_delivered_to_its_own_address()
    {
        var to = Emails.Unique("implicit", "implicit.test");

        var id = await _stack.SendAsync(Emails.Simple(to));
        await _stack.WaitForStatusAsync(id, "delivered");

        Assert.Single(_mx[Implicit].Messages, m => m.Recipients.Contains(to));
        Assert.Equal("implicit.test", (await SingleAttemptAsync(id, to)).Str("remote_host"));
    }

    [Fact]
    public async Task Null_mx_and_a_domain_that_does_not_exist_bounce_host_unknown()
    {
        var nullMx = Emails.Unique("nullmx", "nomail.test");
        var missing = Emails.Unique("nx", "missing.test");

        var id = await _stack.SendAsync(Emails.Simple(nullMx, missing));
        var email = await _stack.WaitForStatusAsync(id, "bounced");

        foreach (var (to, says) in new[] { (nullMx, "null MX"), (missing, "NXDOMAIN") })
        {
            var recipient = email.Recipient(to);
            Assert.Equal("bounced", recipient.Str("status"));
            Assert.Equal("host_unknown", recipient.Str("bounce_reason"));
            Assert.Contains(says, (await SingleAttemptAsync(id, to)).Str("reply"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_servfail_defers()
    {
        var to = Emails.Unique("servfail", "broken.test");

        var id = await _stack.SendAsync(Emails.Simple(to));
        var email = await _stack.WaitForEmailAsync(id, e => e.Recipient(to).GetProperty("attempts").GetInt32() >= 1);

        Assert.Equal("deferred", email.Recipient(to).Str("status"));
        var attempt = await SingleAttemptAsync(id, to);
        Assert.Equal("deferred", attempt.Str("outcome"));
        Assert.StartsWith("MX lookup for broken.test failed", attempt.Str("reply"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipients_are_grouped_into_one_transaction_per_destination()
    {
        var ana = Emails.Unique("ana", "one.test");
        var bob = Emails.Unique("bob", "one.test");
        var cid = Emails.Unique("cid", "two.test");

        var id = await _stack.SendAsync(Emails.Simple(ana, bob, cid));
        await _stack.WaitForStatusAsync(id, "delivered");

        var one = Assert.Single(_mx[One].Messages, m => m.Recipients.Contains(ana));
        Assert.Equal(new[] { ana, bob }.Order(StringComparer.Ordinal), one.Recipients.Order(StringComparer.Ordinal));
        var two = Assert.Single(_mx[Two].Messages, m => m.Recipients.Contains(cid));
        Assert.Equal([cid], two.Recipients);
        var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        // As stored, below this hop's Received field (no DKIM key for these domains).
        foreach (var data in new[] { one.Data, two.Data })
        {
            Assert.Equal(stored, data[^stored!.Length..]);
            Assert.StartsWith("Received: by ", System.Text.Encoding.ASCII.GetString(data[..^stored.Length]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_named_route_with_TLS_required_takes_its_domains_over_TLS()
    {
        var routed = Emails.Unique("routed", "eu.partner.test");
        var direct = Emails.Unique("direct", "pref.test");

        var id = await _stack.SendAsync(Emails.Simple(routed, direct));
        await _stack.WaitForStatusAsync(id, "delivered");

        var received = Assert.Single(_mx[PartnerRelay].Messages, m => m.Recipients.Contains(routed));
        Assert.True(received.Tls);
        Assert.Equal([routed], received.Recipients);
        Assert.Single(_mx[PreferredFirst].Messages, m => m.Recipients.Contains(direct));
        var attempt = await SingleAttemptAsync(id, routed);
        Assert.True(attempt.GetProperty("tls").GetBoolean());
        Assert.Equal(PartnerRelay, attempt.Str("remote_host"));
    }

    [Fact]
    public async Task A_failed_opportunistic_handshake_retries_the_host_in_clear_and_the_attempt_says_so()
    {
        var to = Emails.Unique("tls", "brokentls.test");

        var id = await _stack.SendAsync(Emails.Simple(to));
        await _stack.WaitForStatusAsync(id, "delivered");

        var received = Assert.Single(_mx[BrokenTls].Messages, m => m.Recipients.Contains(to));
        Assert.False(received.Tls);
        Assert.Contains("STARTTLS", _mx[BrokenTls].Commands);
        var attempt = await SingleAttemptAsync(id, to);
        Assert.False(attempt.GetProperty("tls").GetBoolean());
        // The attempt record says so, through the API.
        var fallback = attempt.Str("tls_fallback");
        Assert.Contains("STARTTLS handshake failed", fallback, StringComparison.Ordinal);
        Assert.Contains("retried without TLS", fallback, StringComparison.Ordinal);
    }
}
