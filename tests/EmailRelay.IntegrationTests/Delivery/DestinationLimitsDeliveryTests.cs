using System.Globalization;
using EmailRelay.DevSmtp;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// The per-destination limits at work in direct delivery (issue 9 point 5), with real senders,
/// PostgreSQL, dnsmasq and MX hosts on loopback addresses: a destination that answers 421 is backed
/// off and not dialled again until the backoff ends; a domain's message rate spaces its deliveries
/// without spending attempts; and the connection limit per host holds across two sender processes.
/// </summary>
public sealed class DestinationLimitsDeliveryTests
{
    private const string BusyMx = "127.0.0.21";
    private const string SlowMx = "127.0.0.22";
    private const string NarrowMx = "127.0.0.23";

    [Fact]
    public async Task A_destination_that_answers_421_is_backed_off_and_its_next_messages_are_deferred_without_connecting()
    {
        await using var mx = await MxServers.StartAsync([BusyMx]);
        mx[BusyMx].Behavior.Greeting = new SmtpReply(421, "4.7.0", "mx.busy.test Too many connections from your address, try again later");
        await using var dns = await TestDnsServer.StartAsync(new DnsZone().Mx("busy.test", "mx.busy.test", 10).Address("mx.busy.test", BusyMx));
        await using var stack = await RelayStack.StartDirectAsync("backoff", dns, mx.Port, new Dictionary<string, string>
        {
            ["Bounces__Domain"] = "",
            // Shorter than the backoff: a recipient that waits past it was deferred by the backoff.
            ["Delivery__RetrySchedule"] = "2s",
            ["Delivery__Limits__BackoffInitial"] = "00:10:00",
            ["Backlog__SampleInterval"] = "00:00:01",
        });

        var first = await stack.SendAsync(Emails.Simple(Emails.Unique("a", "busy.test")));
        await stack.WaitForStatusAsync(first, "deferred");
        var connections = mx[BusyMx].ConnectionCount;
        Assert.True(connections >= 1);
        var until = await stack.Database.ScalarAsync<DateTime>("SELECT until FROM destination_backoffs WHERE destination = 'busy.test'");
        Assert.True(until > DateTime.UtcNow.AddMinutes(8), $"backed off until {until:O}");
        var firstAttempt = (await stack.GetAttemptsAsync(first)).EnumerateArray().Single();
        Assert.StartsWith("421 4.7.0 mx.busy.test Too many connections", firstAttempt.Str("reply"), StringComparison.Ordinal);
        // Deferred past the 2 s retry slot, to the end of the backoff.
        Assert.True(await stack.Database.ScalarAsync<DateTime>("SELECT next_attempt_at FROM recipients WHERE message_id = $1", first) >= until.AddSeconds(-1));

        var second = await stack.SendAsync(Emails.Simple(Emails.Unique("b", "busy.test")));
        await stack.WaitForStatusAsync(second, "deferred");
        var attempt = (await stack.GetAttemptsAsync(second)).EnumerateArray().Single();
        Assert.StartsWith("destination busy.test backed off until ", attempt.Str("reply"), StringComparison.Ordinal);
        Assert.EndsWith("after 421 4.7.0 mx.busy.test Too many connections from your address, try again later", attempt.Str("reply"), StringComparison.Ordinal);
        Assert.Equal(connections, mx[BusyMx].ConnectionCount);
        Assert.True(await stack.Database.ScalarAsync<DateTime>("SELECT next_attempt_at FROM recipients WHERE message_id = $1", second) >= until.AddSeconds(-1));

        // The operator sees it: the backoff counted, the destination in backoff, its oldest pending mail ageing.
        var sender = stack.Senders[0];
        Assert.True(await stack.CounterAsync(sender, "emailrelay_destinations_backoffs_total") >= 1);
        Assert.True(await stack.CounterAsync(sender, "emailrelay_destinations_in_backoff") >= 1);
        double? age = null;
        for (var i = 0; i < 50 && age is null; i++)
        {
            age = await stack.MetricAsync(sender, "emailrelay_backlog_oldest_pending_age_seconds", "destination=\"busy.test\"");
            await Task.Delay(200);
        }
        Assert.True(age > 0, $"oldest pending age of busy.test: {age}");
    }

    [Fact]
    public async Task A_domain_message_rate_spaces_its_deliveries_and_spends_no_attempts()
    {
        await using var mx = await MxServers.StartAsync([SlowMx]);
        await using var dns = await TestDnsServer.StartAsync(new DnsZone().Mx("slow.test", "mx.slow.test", 10).Address("mx.slow.test", SlowMx));
        await using var stack = await RelayStack.StartDirectAsync("rate", dns, mx.Port, new Dictionary<string, string>
        {
            ["Bounces__Domain"] = "",
            ["Delivery__Limits__Destinations__slow__Match"] = "slow.test",
            // One message every 4 s: longer than the wait a sender sits out in place, so the others are handed back.
            ["Delivery__Limits__Destinations__slow__MessagesPerSecondPerDomain"] = "0.25",
        });

        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await stack.SendAsync(Emails.Simple(Emails.Unique("r" + i.ToString(CultureInfo.InvariantCulture), "slow.test"))));
        }
        foreach (var id in ids)
        {
            await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(40));
        }

        var started = new List<DateTimeOffset>();
        foreach (var id in ids)
        {
            // Waiting for the rate is not an attempt: one attempt each, no deferral in the timeline.
            var attempt = Assert.Single((await stack.GetAttemptsAsync(id)).EnumerateArray());
            Assert.Empty((await stack.GetEmailAsync(id)).Events("deferred"));
            started.Add(attempt.GetProperty("started_at").GetDateTimeOffset());
        }
        started.Sort();
        for (var i = 1; i < started.Count; i++)
        {
            // 4 s apart at the rate. An attempt starts right after its take; its delivery time would
            // also carry the transaction, longer for the first one, which opens the connection.
            Assert.True(started[i] - started[i - 1] >= TimeSpan.FromSeconds(3), string.Join(", ", started.Select(d => d.ToString("O"))));
        }
    }

    [Fact]
    public async Task The_connection_limit_per_host_holds_across_two_sender_processes()
    {
        await using var mx = await MxServers.StartAsync([NarrowMx]);
        // Slow answers to the final dot, so every sender has sessions open at once if it may.
        mx[NarrowMx].Behavior.DataReplyDelay = TimeSpan.FromMilliseconds(300);
        await using var dns = await TestDnsServer.StartAsync(new DnsZone().Mx("narrow.test", "mx.narrow.test", 10).Address("mx.narrow.test", NarrowMx));
        await using var stack = await RelayStack.StartDirectAsync("slots", dns, mx.Port, new Dictionary<string, string>
        {
            ["Bounces__Domain"] = "",
            ["Delivery__Limits__Destinations__narrow__Match"] = "mx.narrow.test",
            ["Delivery__Limits__Destinations__narrow__MaxConnectionsPerHost"] = "2",
        }, senders: 2);

        var ids = new List<Guid>();
        for (var i = 0; i < 16; i++)
        {
            ids.Add(await stack.SendAsync(Emails.Simple(Emails.Unique("n" + i.ToString(CultureInfo.InvariantCulture), "narrow.test"))));
        }
        foreach (var id in ids)
        {
            await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(60));
        }

        Assert.Equal(16, mx[NarrowMx].Messages.Count);
        Assert.InRange(mx[NarrowMx].MaxOpenConnections, 1, 2);
        // The slots were taken through the shared table: two rows, numbered 1 and 2, nothing beyond the limit.
        Assert.Equal(2, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM destination_connection_slots WHERE host = 'mx.narrow.test'"));
        Assert.Equal(2, await stack.Database.ScalarAsync<int>("SELECT max(slot) FROM destination_connection_slots WHERE host = 'mx.narrow.test'"));
    }
}
