using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>Waits and checks over the feed's bookkeeping tables.</summary>
public static class FeedAssertions
{
    /// <summary>A webhook endpoint row made directly (the API for it is tested apart); deliveries to it are only counted here.</summary>
    public static async Task<Guid> AddEndpointAsync(TestDatabase database, string[] eventTypes, bool enabled = true)
    {
        var id = Guid.CreateVersion7();
        await database.ScalarAsync<int>(
            """
            INSERT INTO webhook_endpoints (id, project_id, url, event_types, enabled, secret, created_at, updated_at)
            VALUES ($1, '00000000-0000-0000-0000-000000000001', 'https://receiver.invalid/hook', $2, $3, 'whsec_dGVzdA==', now(), now())
            """, id, eventTypes, enabled);
        return id;
    }

    /// <summary>Until the fan-out has passed every event in the table (its cursor is at the last one in feed order).</summary>
    public static async Task WaitUntilFanOutPassedEverythingAsync(TestDatabase database, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            var behind = await database.ScalarAsync<long>(
                """
                SELECT count(*) FROM events e, feed_cursors c
                WHERE c.name = 'tracking' AND (e.tx, e.id) > (c.tx, c.event_id)
                """);
            if (behind == 0)
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the fan-out did not pass every event");
    }

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: last seen {value}");
            }
            await Task.Delay(100);
        }
    }
}
