using EmailRelay.IntegrationTests.Infrastructure;
using static EmailRelay.IntegrationTests.Tracking.FeedAssertions;

namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>Retention: whole partitions dropped, the rest pruned in batches, pending mail never touched.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Old_history_goes_by_partition_and_by_batch_while_pending_and_recent_mail_stays()
    {
        await using var stack = await RelayStack.StartAsync("retention");
        var database = stack.Database;
        // History as an upgrade finds it: an email of 100 days ago (its events and attempt in that
        // week's partition), one of 10 days ago, and an impossible one — still pending after 100
        // days — that retention must leave alone all the same.
        await database.ScalarAsync<int>("""
            SELECT relay_ensure_partitions(t, k, now() - interval '100 days', now())
            FROM (VALUES ('events', 'occurred_at'), ('delivery_attempts', 'started_at')) p(t, k)
            """);
        var ancient = await InsertEmailAsync(database, TimeSpan.FromDays(100), "delivered");
        var pending = await InsertEmailAsync(database, TimeSpan.FromDays(100), "deferred", history: false);
        var tenDays = await InsertEmailAsync(database, TimeSpan.FromDays(10), "delivered");
        var oldWeek = await database.ScalarAsync<string>(
            "SELECT 'events_p' || to_char(relay_week_start(now() - interval '100 days') AT TIME ZONE 'UTC', 'YYYYMMDD')");
        // A row that landed in the default partition because no weekly one covered it yet.
        await database.ScalarAsync<int>("""
            INSERT INTO events (id, message_id, project_id, sequence, type, occurred_at)
            SELECT gen_random_uuid(), id, project_id, 99, 'deferred', now() + interval '60 days' FROM messages WHERE id = $1
            """, pending);
        await database.ScalarAsync<int>(
            "INSERT INTO idempotency (owner, key, request_hash, created_at) VALUES ('k', 'old', '\\x00', now() - interval '2 days'), ('k', 'new', '\\x00', now())");
        var recent = await stack.SendAsync(Emails.Simple(Emails.Unique("ana")));
        await stack.WaitForStatusAsync(recent, "delivered");

        await stack.StartTrackingAsync(new Dictionary<string, string>
        {
            ["Retention__Interval"] = "00:00:01",
            ["Retention__BatchSize"] = "1",
            ["Retention__PartitionsAhead"] = "70.00:00:00",
        });

        await EventuallyAsync(() => database.ScalarAsync<long>("SELECT count(*) FROM messages WHERE id = $1", ancient), n => n == 0,
            "the 100-day-old email pruned");
        await EventuallyAsync(() => database.ScalarAsync<long>("SELECT count(*) FROM message_contents WHERE message_id = $1", tenDays),
            n => n == 0, "the 10-day-old email's content pruned");
        await EventuallyAsync(() => database.ScalarAsync<long>("SELECT count(*) FROM events_default"), n => n == 0,
            "the default partition emptied into its week's partition");

        Assert.Null(await database.ScalarAsync<string>("SELECT to_regclass($1)::text", oldWeek!));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE message_id = $1", ancient));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE message_id = $1", ancient));
        // Pending: everything kept (its event was never in a week past retention: mail is final long before).
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM messages WHERE id = $1", pending));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM message_contents WHERE message_id = $1", pending));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM events WHERE message_id = $1 AND sequence = 99", pending));
        // Ten days: tracking kept, content gone. Recent: untouched.
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM messages WHERE id = $1", tenDays));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM message_contents WHERE message_id = $1", recent));
        Assert.Equal("new", await database.ScalarAsync<string>("SELECT string_agg(key, ',') FROM idempotency"));
        // Weeks ahead exist for every history table.
        foreach (var table in new[] { "events", "delivery_attempts", "webhook_deliveries", "webhook_attempts" })
        {
            Assert.NotNull(await database.ScalarAsync<string>(
                $"SELECT to_regclass('{table}_p' || to_char(relay_week_start(now() + interval '63 days') AT TIME ZONE 'UTC', 'YYYYMMDD'))::text"));
        }
    }

    /// <summary>An email made <paramref name="age"/> ago with one recipient in <paramref name="status"/>, its content, events and an attempt.</summary>
    private static async Task<Guid> InsertEmailAsync(TestDatabase database, TimeSpan age, string status, bool history = true)
    {
        var createdAt = DateTimeOffset.UtcNow - age;
        var id = Guid.CreateVersion7(createdAt);
        await database.ScalarAsync<int>("""
            WITH m AS (
                INSERT INTO messages (id, envelope_from, from_header, subject, message_id_header, created_at, expires_at, size_bytes, project_id)
                VALUES ($1, 'a@acme.example', 'a@acme.example', 's', '<x@y>', $2, $2 + interval '72 hours', 10,
                        '00000000-0000-0000-0000-000000000001')
                RETURNING id
            ), s AS (
                INSERT INTO message_states (message_id, status) SELECT id, $3 FROM m
            ), c AS (
                INSERT INTO message_contents (message_id, mime) SELECT id, '\x00' FROM m
            ), r AS (
                INSERT INTO recipients (message_id, ordinal, address, domain, kind, status, attempts)
                SELECT id, 0, 'old@example.net', 'example.net', 'to', $3, 1 FROM m
                RETURNING message_id
            ), a AS (
                INSERT INTO delivery_attempts (message_id, recipient_ordinal, attempt, started_at, duration_ms, tls, outcome, ambiguous)
                SELECT message_id, 0, 1, $2, 5, false, 'delivered', false FROM r WHERE $4
            )
            INSERT INTO events (id, message_id, project_id, sequence, recipient, type, occurred_at)
            SELECT gen_random_uuid(), id, '00000000-0000-0000-0000-000000000001', 1, 'old@example.net', 'queued', $2 FROM m WHERE $4
            """, id, createdAt, status, history);
        return id;
    }
}
