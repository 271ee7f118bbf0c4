using System.Globalization;
using EmailRelay.Data.Events;
using Npgsql;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Tracking.Events;

/// <summary>What one pass over the feed did.</summary>
public sealed record FanOutResult(int Events, int Deliveries, int Suppressions, TimeSpan Lag)
{
    public static readonly FanOutResult Nothing = new(0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Takes the next settled events after the cursor (<see cref="EventFeedSql"/>) and, in the same
/// transaction that moves the cursor past them, makes a webhook delivery for every subscribed
/// endpoint of each event's project and a suppression for each hard bounce and complaint. The
/// cursor row is locked for the transaction: with several Tracking replicas one of them moves it
/// at a time and the others skip the pass, so every event is handled exactly once — a crash before
/// the commit leaves both the work and the cursor as they were.
/// </summary>
public sealed class EventFanOut(NpgsqlDataSource dataSource)
{
    public const string CursorName = "tracking";

    /// <summary>One pass; null when another replica holds the cursor.</summary>
    public async Task<FanOutResult?> PassAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        FeedPosition cursor;
        await using (var claim = new NpgsqlCommand(
            "SELECT tx::text, event_id FROM feed_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED", connection, transaction))
        {
            claim.Parameters.Add(P(CursorName));
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            cursor = new FeedPosition(ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetGuid(1));
        }

        await using var pass = new NpgsqlCommand(PassSql, connection, transaction);
        pass.Parameters.AddRange(new NpgsqlParameter[]
        {
            P(cursor.Tx.ToString(CultureInfo.InvariantCulture)), P(cursor.EventId), P(batchSize), P(CursorName),
        });
        FanOutResult result;
        await using (var reader = await pass.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            result = new FanOutResult(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(3))));
        }
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    // $1/$2 the cursor, $3 the batch size, $4 the cursor's name. One statement, one snapshot: the
    // events it reads are settled below that snapshot's xmin.
    private static readonly string PassSql = $"""
        WITH batch AS (
            SELECT e.id, e.occurred_at, e.tx, e.message_id, e.project_id, e.type, e.recipient, e.details
            FROM events e
            WHERE (e.tx, e.id) > ($1::xid8, $2) AND {EventFeedSql.Settled("e")}
            ORDER BY e.tx, e.id
            LIMIT $3
        ), deliveries AS (
            INSERT INTO webhook_deliveries (id, endpoint_id, project_id, event_id, event_occurred_at, event_type, message_id,
                                            status, next_attempt_at)
            SELECT relay_uuidv7(), w.id, b.project_id, b.id, b.occurred_at, b.type, b.message_id, 'pending', now()
            FROM batch b
            JOIN webhook_endpoints w ON w.project_id = b.project_id AND b.type = ANY (w.event_types)
            WHERE w.enabled AND w.deleted_at IS NULL
            ORDER BY b.tx, b.id
            RETURNING 1
        ), suppressed AS (
            -- DESIGN.md §4: a hard bounce or a complaint stops further mail to the address in its
            -- project. An entry that is already there stays as it is unless it has expired.
            INSERT INTO suppressions AS s (project_id, address, reason, source_event_id, source_message_id)
            SELECT DISTINCT ON (b.project_id, lower(b.recipient))
                   b.project_id, lower(b.recipient), CASE b.type WHEN 'complained' THEN 'complaint' ELSE 'hard_bounce' END, b.id, b.message_id
            FROM batch b
            WHERE b.recipient IS NOT NULL
              AND (b.type = 'complained' OR (b.type = 'bounced' AND coalesce((b.details ->> 'hard')::boolean, false)))
            ORDER BY b.project_id, lower(b.recipient), b.tx, b.id
            ON CONFLICT (project_id, address) DO UPDATE
                SET reason = excluded.reason, source_event_id = excluded.source_event_id,
                    source_message_id = excluded.source_message_id, created_at = now(), expires_at = NULL
                WHERE s.expires_at IS NOT NULL AND s.expires_at <= now()
            RETURNING 1
        ), last AS (
            SELECT tx, id, occurred_at FROM batch ORDER BY tx DESC, id DESC LIMIT 1
        ), moved AS (
            UPDATE feed_cursors c SET tx = last.tx, event_id = last.id, updated_at = now()
            FROM last WHERE c.name = $4
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM batch)::int, (SELECT count(*) FROM deliveries)::int, (SELECT count(*) FROM suppressed)::int,
               (SELECT extract(epoch FROM clock_timestamp() - occurred_at)::float8 FROM last),
               (SELECT count(*) FROM moved)
        """;
}
