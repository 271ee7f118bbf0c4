using Microsoft.Extensions.Options;
using Npgsql;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Tracking.Retention;

/// <summary>
/// One retention pass, off the hot path and on the database's clock: weekly partitions of the
/// history made ahead and dropped whole once past retention; what cannot be partitioned (emails
/// and their recipients, contents, idempotency keys, unmatched bounces) deleted in small batches.
/// Mail that is still pending is never touched: only emails whose every recipient is final
/// qualify. One replica runs a pass at a time (a session advisory lock); the others skip it.
/// </summary>
public sealed partial class RetentionPass(NpgsqlDataSource dataSource, IOptions<RetentionOptions> options, RetentionMetrics metrics,
    ILogger<RetentionPass> logger)
{
    // Any fixed number, the same for every replica: "Retentio".
    private const long LockId = 0x526574656E74696F;

    /// <summary>API.md: an Idempotency-Key replays for 24 h; an hour more so a key is never pruned while it may still be used.</summary>
    private static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(25);

    // The statuses a message has only once every recipient is final (MessageStatusSql).
    private const string Final = "('delivered', 'partially_delivered', 'bounced', 'failed', 'suppressed')";

    /// <summary>The smallest UUIDv7 of the millisecond of a time expression: ids below it were made before.</summary>
    private static string IdBefore(string time) =>
        $"(lpad(to_hex(floor(extract(epoch FROM {time}) * 1000)::bigint), 12, '0') || repeat('0', 20))::uuid";

    private static readonly (string Table, string Sql)[] Batches =
    [
        ("message_contents", $"""
            WITH doomed AS (
                SELECT c.message_id FROM message_contents c JOIN message_states s ON s.message_id = c.message_id
                WHERE c.message_id < {IdBefore("now() - $1")} AND s.status IN {Final}
                ORDER BY c.message_id LIMIT $3
            )
            DELETE FROM message_contents c USING doomed WHERE c.message_id = doomed.message_id
            """),
        // Recipients, remaining events and attempts go with their email (ON DELETE CASCADE).
        ("messages", $"""
            WITH doomed AS (
                SELECT m.id FROM messages m JOIN message_states s ON s.message_id = m.id
                WHERE m.id < {IdBefore("now() - $2")} AND s.status IN {Final}
                ORDER BY m.id LIMIT $3 FOR UPDATE OF m, s SKIP LOCKED
            )
            DELETE FROM messages m USING doomed WHERE m.id = doomed.id
            """),
        ("unmatched_bounces", $"""
            DELETE FROM unmatched_bounces WHERE id IN (
                SELECT id FROM unmatched_bounces WHERE id < {IdBefore("now() - $2")} ORDER BY id LIMIT $3)
            """),
        ("idempotency", """
            DELETE FROM idempotency WHERE (owner, key) IN (
                SELECT owner, key FROM idempotency WHERE created_at < now() - $4 LIMIT $3)
            """),
        ("suppressions", """
            DELETE FROM suppressions WHERE (project_id, address) IN (
                SELECT project_id, address FROM suppressions WHERE expires_at <= now() LIMIT $3)
            """),
        // The '-infinity' sample stays: a ?since= before every other sample starts from it.
        ("event_clock", """
            DELETE FROM event_clock WHERE at IN (
                SELECT at FROM event_clock WHERE at > '-infinity' AND at < now() - $2 ORDER BY at LIMIT $3)
            """),
    ];

    /// <summary>Runs a pass; false when another replica is running one.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
        {
            lockCommand.Parameters.Add(P(LockId));
            if (!(bool)(await lockCommand.ExecuteScalarAsync(cancellationToken))!)
            {
                return false;
            }
        }
        try
        {
            await MaintainPartitionsAsync(connection, settings, cancellationToken);
            foreach (var (table, sql) in Batches)
            {
                await PruneAsync(connection, table, sql, settings, cancellationToken);
            }
            return true;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(P(LockId));
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    private async Task MaintainPartitionsAsync(NpgsqlConnection connection, RetentionOptions settings, CancellationToken cancellationToken)
    {
        foreach (var (table, key) in PartitionedTables.All)
        {
            await using var ensure = new NpgsqlCommand("SELECT relay_ensure_partitions($1, $2, now(), now() + $3)", connection);
            ensure.Parameters.AddRange(new NpgsqlParameter[] { P(table), P(key), P(settings.PartitionsAhead) });
            var created = (int)(await ensure.ExecuteScalarAsync(cancellationToken))!;
            metrics.Partitions("created", created);

            await using var drop = new NpgsqlCommand("SELECT relay_drop_partitions($1, now() - $2)", connection);
            drop.Parameters.AddRange(new NpgsqlParameter[] { P(table), P(settings.Tracking) });
            await using var reader = await drop.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                metrics.Partitions("dropped", 1);
                LogDropped(logger, reader.GetString(0));
            }
        }
    }

    private async Task PruneAsync(NpgsqlConnection connection, string table, string sql, RetentionOptions settings,
        CancellationToken cancellationToken)
    {
        long total = 0;
        int deleted;
        do
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddRange(new NpgsqlParameter[]
            {
                P(settings.Content), P(settings.Tracking), P(settings.BatchSize), P(IdempotencyRetention),
            });
            deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
        }
        while (deleted >= settings.BatchSize && !cancellationToken.IsCancellationRequested);
        if (total > 0)
        {
            metrics.Pruned(table, total);
            LogPruned(logger, table, total);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention dropped partition {Partition}")]
    private static partial void LogDropped(ILogger logger, string partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention pruned {Rows} rows of {Table}")]
    private static partial void LogPruned(ILogger logger, string table, long rows);
}
