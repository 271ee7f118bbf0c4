using MimeKit;
using Npgsql;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>What a fault under load did: the figures of the fault matrix, read from the database and the smarthost.</summary>
public sealed partial class RelayStack
{
    /// <summary>
    /// The messages a dead sender still holds: leased when it died and, <paramref name="settle"/>
    /// later, still leased under the same token until the same instant. A live sender's heartbeat
    /// moves leased_until every third of the lease, so once <paramref name="settle"/> outlasts that,
    /// a live transaction waiting its turn (for a pooled connection, say) no longer looks dead; and a
    /// dead sender's lease, last renewed at most a third of the lease before it died, has two thirds
    /// left, so it cannot lapse and be taken over within <paramref name="settle"/>.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> HeldByDeadSenderAsync(TimeSpan settle)
    {
        var atDeath = await LeasesAsync();
        await Task.Delay(settle);
        var later = await LeasesAsync();
        return atDeath.Intersect(later).Select(lease => lease.MessageId).Distinct().ToList();
    }

    /// <summary>Seconds from <paramref name="from"/> until the last of these messages was delivered; null while any is not.</summary>
    public async Task<double?> SecondsUntilDeliveredAsync(IReadOnlyCollection<Guid> messages, DateTimeOffset from)
    {
        var ids = messages.ToArray();
        var delivered = await WithDatabaseAsync(() => Database.ScalarAsync<long>(
            "SELECT count(*) FROM message_states WHERE message_id = ANY($1) AND status = 'delivered'", ids));
        if (delivered < ids.Length)
        {
            return null;
        }
        var last = await WithDatabaseAsync(() => Database.ScalarAsync<DateTime?>(
            "SELECT max(delivered_at) FROM recipients WHERE message_id = ANY($1)", ids));
        return last is { } at ? (new DateTimeOffset(at, TimeSpan.Zero) - from).TotalSeconds : 0;
    }

    /// <summary>
    /// Waits up to <paramref name="deadline"/> for every email the load had accepted to be delivered,
    /// then counts: lost (not delivered, or delivered without reaching the smarthost), the copies the
    /// smarthost got beyond the first per Message-ID, the attempts flagged ambiguous, and the seconds
    /// from <paramref name="faultAt"/> until the last accepted email was delivered. The notes start
    /// with the clients' retries; each fault adds what it measured of its own.
    /// </summary>
    public async Task<FaultMeasurement> MeasureAsync(string fault, LoadDriver load, DateTimeOffset faultAt, TimeSpan deadline)
    {
        var accepted = load.Accepted.ToDictionary();
        var ids = accepted.Keys.ToArray();
        var until = DateTime.UtcNow + deadline;
        while (await WithDatabaseAsync(() => Database.ScalarAsync<long>(
                   "SELECT count(*) FROM message_states WHERE message_id = ANY($1) AND status = 'delivered'", ids)) < ids.Length
               && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
        }

        var delivered = new HashSet<Guid>();
        await WithDatabaseAsync(async () =>
        {
            delivered.Clear();
            await using var command = Database.DataSource.CreateCommand("SELECT message_id FROM message_states WHERE message_id = ANY($1) AND status = 'delivered'");
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                delivered.Add(reader.GetGuid(0));
            }
            return delivered.Count;
        });
        var received = Smtp.Messages;
        var reachedSmarthost = received.SelectMany(m => m.Recipients).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var lost = accepted.Count(email => !delivered.Contains(email.Key) || !reachedSmarthost.Contains(email.Value));
        var duplicates = received.GroupBy(m => HeaderList.Load(new MemoryStream(m.Data, writable: false))[HeaderId.MessageId] ?? "")
            .Sum(copies => copies.Count() - 1);
        var ambiguous = await WithDatabaseAsync(() => Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE ambiguous"));
        // Why transactions were cut, in the senders' words: the first thing to read when the figure is not 0.
        var cut = ambiguous == 0 ? "" : "; ambiguous: " + await WithDatabaseAsync(() => Database.ScalarAsync<string>(
            "SELECT string_agg(n || '× ' || left(reply, 120), ' / ') FROM (SELECT reply, count(*) AS n FROM delivery_attempts WHERE ambiguous GROUP BY reply ORDER BY n DESC LIMIT 3) r"));
        return new FaultMeasurement(fault, ids.Length, lost, duplicates, ambiguous, await SecondsUntilDeliveredAsync(ids, faultAt),
            load.GaveUp, load.RetrySummary + cut);
    }

    private async Task<HashSet<(Guid MessageId, Guid Token, DateTime LeasedUntil)>> LeasesAsync() => await WithDatabaseAsync(async () =>
    {
        var leases = new HashSet<(Guid, Guid, DateTime)>();
        await using var command = Database.DataSource.CreateCommand(
            "SELECT message_id, lease_token, leased_until FROM recipients WHERE status = 'sending' AND lease_token IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            leases.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetDateTime(2)));
        }
        return leases;
    });

    /// <summary>The test's own queries ride out a database restart too: pooled connections died with the server.</summary>
    private async Task<T> WithDatabaseAsync<T>(Func<Task<T>> query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await query();
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                Database.DataSource.Clear();
                await Task.Delay(500);
            }
        }
    }
}
