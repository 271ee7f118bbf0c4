using EmailRelay.IntegrationTests.Infrastructure;
using Npgsql;
using static EmailRelay.IntegrationTests.Tracking.FeedAssertions;

namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>
/// The event feed as its two readers see it — Tracking's fan-out and a client tailing
/// <c>GET /v1/events</c>: no event skipped, none handled twice, whatever the writers' commit order.
/// </summary>
public sealed class EventFeedTests
{
    private static readonly string[] AllTypes = ["queued", "scheduled", "delivered", "deferred", "bounced", "failed", "suppressed", "complained"];

    [Fact]
    public async Task An_event_whose_transaction_commits_long_after_its_id_was_made_is_neither_skipped_nor_repeated()
    {
        await using var stack = await RelayStack.StartAsync("feed-late-commit");
        await stack.StartTrackingAsync();
        var endpoint = await AddEndpointAsync(stack.Database, AllTypes);
        await using var tail = new FeedTail(stack.Api);

        var first = await stack.SendAsync(Emails.Simple(Emails.Unique("ana")));
        await stack.WaitForStatusAsync(first, "delivered");

        // A writer whose event id and transaction are made now and whose commit comes well after
        // the 2 s the feed used to hold events back for.
        var lateEvent = Guid.CreateVersion7();
        await using var writer = await stack.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO events (id, message_id, project_id, sequence, recipient, type, details)
            SELECT $1, id, project_id, 1000, 'late@example.net', 'deferred', '{"note": "late writer"}' FROM messages WHERE id = $2
            """, writer, transaction))
        {
            insert.Parameters.AddWithValue(lateEvent);
            insert.Parameters.AddWithValue(first);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        // Mail keeps flowing meanwhile; its events commit first.
        var later = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            later.Add(await stack.SendAsync(Emails.Simple(Emails.Unique("bob"))));
        }
        foreach (var id in later)
        {
            await stack.WaitForStatusAsync(id, "delivered");
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain(lateEvent, tail.Seen);
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE event_id = $1", lateEvent));

        await transaction.CommitAsync();

        var total = await stack.Database.ScalarAsync<long>("SELECT count(*) FROM events");
        await EventuallyAsync(() => Task.FromResult(tail.Seen.Count), n => n >= total, "events the tailing client saw");
        await WaitUntilFanOutPassedEverythingAsync(stack.Database);
        var seen = tail.Seen;
        Assert.Contains(lateEvent, seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(total, seen.Count);
        Assert.Equal(1, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE event_id = $1", lateEvent));
        Assert.Equal(total, await stack.Database.ScalarAsync<long>(
            "SELECT count(DISTINCT event_id) FROM webhook_deliveries WHERE endpoint_id = $1", endpoint));
        Assert.Equal(total, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", endpoint));
    }

    [Fact]
    public async Task Two_tracking_replicas_one_killed_midway_make_exactly_one_delivery_per_event_and_subscribed_endpoint()
    {
        await using var stack = await RelayStack.StartAsync("feed-replicas", new Dictionary<string, string> { ["Feed__BatchSize"] = "7" });
        var first = await stack.StartTrackingAsync();
        await stack.StartTrackingAsync();
        var everything = await AddEndpointAsync(stack.Database, AllTypes);
        var deliveredOnly = await AddEndpointAsync(stack.Database, ["delivered"]);
        var disabled = await AddEndpointAsync(stack.Database, AllTypes, enabled: false);

        var ids = await stack.SendBatchAsync(Enumerable.Range(0, 60).Select(_ => (object)Emails.Simple(Emails.Unique("carol"))).ToList());
        await first.KillAsync();
        await stack.StartTrackingAsync();
        ids.AddRange(await stack.SendBatchAsync(Enumerable.Range(0, 60).Select(_ => (object)Emails.Simple(Emails.Unique("dave"))).ToList()));
        foreach (var id in ids)
        {
            await stack.WaitForStatusAsync(id, "delivered");
        }
        await WaitUntilFanOutPassedEverythingAsync(stack.Database);

        Assert.Equal(0, await stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries GROUP BY endpoint_id, event_id HAVING count(*) > 1) twice"));
        Assert.Equal(await stack.Database.ScalarAsync<long>("SELECT count(*) FROM events"),
            await stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", everything));
        Assert.Equal(await stack.Database.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'delivered'"),
            await stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", deliveredOnly));
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", disabled));
    }

    [Fact]
    public async Task A_hard_bounce_suppresses_the_address_in_its_project_with_the_event_that_caused_it_and_a_soft_one_does_not()
    {
        await using var stack = await RelayStack.StartAsync("feed-suppress");
        await stack.StartTrackingAsync();
        var unknown = Emails.Unique("nobody");
        var full = Emails.Unique("full");
        stack.Smtp.Behavior.OnRcpt = address =>
            address == unknown ? new DevSmtp.SmtpReply(550, "5.1.1", "No such user")
            : address == full ? new DevSmtp.SmtpReply(552, "5.2.2", "Mailbox full")
            : new DevSmtp.SmtpReply(250, "2.1.5", "Ok");

        var id = await stack.SendAsync(Emails.Simple(unknown, full));
        var email = await stack.WaitForStatusAsync(id, "bounced");
        var bounced = email.Events("bounced").Single(e => e.Str("recipient") == unknown);
        await WaitUntilFanOutPassedEverythingAsync(stack.Database);

        Assert.Equal("hard_bounce", await stack.Database.ScalarAsync<string>(
            "SELECT reason FROM suppressions WHERE address = lower($1)", unknown));
        Assert.Equal(Guid.Parse(bounced.Str("id")), await stack.Database.ScalarAsync<Guid>(
            "SELECT source_event_id FROM suppressions WHERE address = lower($1)", unknown));
        Assert.Equal(id, await stack.Database.ScalarAsync<Guid>("SELECT source_message_id FROM suppressions WHERE address = lower($1)", unknown));
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM suppressions WHERE address = lower($1)", full));

        // The next email to the address is accepted with that recipient suppressed and never sent.
        using var response = await stack.PostJsonAsync("v1/emails", Emails.Simple(unknown.ToUpperInvariant(), full));
        var accepted = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["suppressed", "queued"], accepted.GetProperty("recipients").EnumerateArray().Select(r => r.Str("status")).ToArray());
    }
}
