using Npgsql;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Sender.Limits;

/// <summary>
/// The statements behind <see cref="DestinationLimiter"/>, each one atomic on its own, on the
/// tables of migration 0010 (which says why each is race-free). Names arrive normalised.
/// </summary>
public sealed class DestinationLimitsStore(NpgsqlDataSource dataSource)
{
    // Two statements in one round trip (one implicit transaction, each with its own snapshot in
    // READ COMMITTED, so the second sees rows the first created): make sure slots 1..max exist
    // (a no-op once they do; ON CONFLICT waits for a concurrent creator instead of failing), then
    // take the lowest free one. SKIP LOCKED lets concurrent takers pass a row another is taking
    // rather than queue behind it and then find it gone.
    private const string EnsureSlotsSql = """
        INSERT INTO destination_connection_slots (host, slot)
        SELECT $1, s FROM generate_series(1, $2) AS s
        ON CONFLICT (host, slot) DO NOTHING
        """;

    private const string TakeSlotSql = """
        UPDATE destination_connection_slots s
        SET owner = $3, token = $4, acquired_at = clock_timestamp(), expires_at = clock_timestamp() + $5
        WHERE (s.host, s.slot) = (SELECT host, slot FROM destination_connection_slots
                                  WHERE host = $1 AND slot <= $2 AND expires_at <= clock_timestamp()
                                  ORDER BY slot LIMIT 1
                                  FOR UPDATE SKIP LOCKED)
        RETURNING s.slot
        """;

    /// <summary>Takes a free slot of <paramref name="host"/> among 1..max; null when all are held.</summary>
    public async Task<int?> TakeSlotAsync(string host, int max, string owner, Guid token, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(EnsureSlotsSql, P(host), P(max)),
                Command(TakeSlotSql, P(host), P(max), P(owner), P(token), P(lease)),
            },
        };
        var slot = await batch.ExecuteScalarAsync(cancellationToken);
        return slot is int number ? number : null;
    }

    /// <summary>Extends the lease; false when the slot is no longer held with this token.</summary>
    public async Task<bool> RenewSlotAsync(string host, int slot, Guid token, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE destination_connection_slots SET expires_at = clock_timestamp() + $4
            WHERE host = $1 AND slot = $2 AND token = $3
            """);
        command.Parameters.Add(P(host));
        command.Parameters.Add(P(slot));
        command.Parameters.Add(P(token));
        command.Parameters.Add(P(lease));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task ReleaseSlotAsync(string host, int slot, Guid token, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE destination_connection_slots SET owner = NULL, token = NULL, acquired_at = NULL, expires_at = clock_timestamp()
            WHERE host = $1 AND slot = $2 AND token = $3
            """);
        command.Parameters.Add(P(host));
        command.Parameters.Add(P(slot));
        command.Parameters.Add(P(token));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // GCRA in one upsert, decided under the row lock with the clock read after it was taken (as
    // ProjectRateLimiter does, and for the same reasons): $2 messages, $3 seconds per message,
    // $4 burst. Admitted when the bucket has room for all $2, or is full (a take larger than the
    // burst then runs into debt). A refusal changes nothing but the recorded decision.
    private const string TakeRateSql = """
        INSERT INTO destination_rates AS r (domain, tat, last_wait_seconds)
        SELECT $1, clock_timestamp() + make_interval(secs => $2 * $3), 0
        ON CONFLICT (domain) DO UPDATE SET (tat, last_wait_seconds) = (
            SELECT CASE WHEN d.admit THEN d.next_tat ELSE r.tat END,
                   CASE WHEN d.admit THEN 0
                        ELSE EXTRACT(epoch FROM d.next_tat - d.now)::double precision - $4 * $3 END
            FROM (SELECT c.now, t.next_tat,
                         (r.tat <= c.now OR t.next_tat <= c.now + make_interval(secs => $4 * $3)) AS admit
                  FROM (SELECT clock_timestamp() AS now) AS c,
                       LATERAL (SELECT GREATEST(r.tat, c.now) + make_interval(secs => $2 * $3) AS next_tat) AS t) AS d)
        RETURNING r.last_wait_seconds
        """;

    /// <summary>Takes <paramref name="messages"/> from the domain's rate; returns 0 when admitted, else the seconds to wait.</summary>
    public async Task<double> TakeRateAsync(string domain, int messages, double secondsPerMessage, int burst, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(TakeRateSql);
        command.Parameters.Add(P(domain));
        command.Parameters.Add(P((double)messages));
        command.Parameters.Add(P(secondsPerMessage));
        command.Parameters.Add(P((double)burst));
        return (double)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // $2 holds the schedule's steps in seconds (BackoffSchedule.Steps: the growth rule lives in
    // C#, the statement only indexes it). A destination already backed off keeps its backoff: a
    // 421 from a transaction that started before it (on any sender) is the same episode, not a
    // repeat, so it neither grows nor moves it. Otherwise it is a new backoff, one strike more if
    // the last one is still remembered (forget_after: its end plus the maximum), else the first.
    private const string BackOffSql = """
        INSERT INTO destination_backoffs AS b (destination, since, until, strikes, forget_after, reason, reply_code, enhanced_code, reply)
        SELECT $1, c.now, c.now + make_interval(secs => $2[1]), 1, c.now + make_interval(secs => $2[1] + $3), $4, $5, $6, $7
        FROM (SELECT clock_timestamp() AS now) AS c
        ON CONFLICT (destination) DO UPDATE SET (since, until, strikes, forget_after, reason, reply_code, enhanced_code, reply) = (
            SELECT n.now, n.until, n.strikes, n.until + make_interval(secs => $3), $4, $5, $6, $7
            FROM (SELECT c.now, s.strikes,
                         c.now + make_interval(secs => $2[LEAST(s.strikes, cardinality($2))]) AS until
                  FROM (SELECT clock_timestamp() AS now) AS c,
                       LATERAL (SELECT CASE WHEN b.forget_after > c.now THEN b.strikes + 1 ELSE 1 END AS strikes) AS s) AS n)
        WHERE b.until <= clock_timestamp()
        """;

    private const string BackoffColumns = "destination, since, until, strikes, reason, reply_code, enhanced_code, reply";

    /// <summary>Starts a backoff, or finds the one in force; <c>Started</c> says which.</summary>
    public async Task<(DestinationBackoff Backoff, bool Started)> BackOffAsync(string destination, BackoffSchedule schedule, string reason,
        int replyCode, string? enhancedCode, string reply, CancellationToken cancellationToken)
    {
        // The upsert returns nothing when its WHERE kept the row as it was, so the row is read
        // back in the same round trip; since = this statement's clock tells a new one from the old.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(BackOffSql, P(destination), P(schedule.Steps().Select(s => s.TotalSeconds).ToArray()),
                    P(schedule.Max.TotalSeconds), P(reason), P(replyCode), P(enhancedCode), P(reply)),
                Command($"SELECT {BackoffColumns}, since >= transaction_timestamp() FROM destination_backoffs WHERE destination = $1",
                    P(destination)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (ReadBackoff(reader), reader.GetBoolean(8));
    }

    /// <summary>Every backoff in force, with the database's clock at the time of reading.</summary>
    public async Task<(DateTimeOffset Now, List<DestinationBackoff> Active)> ActiveBackoffsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.now, b.destination, b.since, b.until, b.strikes, b.reason, b.reply_code, b.enhanced_code, b.reply
            FROM (SELECT clock_timestamp() AS now) AS c
            LEFT JOIN destination_backoffs b ON b.until > c.now
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var active = new List<DestinationBackoff>();
        var now = DateTimeOffset.MinValue;
        while (await reader.ReadAsync(cancellationToken))
        {
            now = reader.GetFieldValue<DateTimeOffset>(0);
            if (!reader.IsDBNull(1))
            {
                active.Add(ReadBackoff(reader, 1));
            }
        }
        return (now, active);
    }

    /// <summary>
    /// Deletes state that says nothing any more: slots idle (expired) for longer than
    /// <paramref name="idleFor"/> (recreated on demand), rate rows whose bucket has been full for
    /// that long, backoffs past forget_after. Any replica may run it at any time.
    /// </summary>
    public async Task<(int Slots, int Rates, int Backoffs)> PruneAsync(TimeSpan idleFor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("DELETE FROM destination_connection_slots WHERE expires_at < clock_timestamp() - $1", P(idleFor)),
                Command("DELETE FROM destination_rates WHERE tat < clock_timestamp() - $1", P(idleFor)),
                Command("DELETE FROM destination_backoffs WHERE forget_after < clock_timestamp()"),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return (batch.BatchCommands[0].RecordsAffected, batch.BatchCommands[1].RecordsAffected, batch.BatchCommands[2].RecordsAffected);
    }

    private static DestinationBackoff ReadBackoff(NpgsqlDataReader reader, int first = 0) => new(
        reader.GetString(first),
        reader.GetFieldValue<DateTimeOffset>(first + 1),
        reader.GetFieldValue<DateTimeOffset>(first + 2),
        reader.GetInt32(first + 3),
        reader.GetString(first + 4),
        reader.GetInt32(first + 5),
        reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        reader.GetString(first + 7));
}
