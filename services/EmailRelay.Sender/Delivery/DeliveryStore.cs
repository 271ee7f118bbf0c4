using System.Text.Json;
using EmailRelay.Classification;
using EmailRelay.Data;
using EmailRelay.Sender.Smtp;
using Npgsql;
using NpgsqlTypes;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// The sender's two transactions (DESIGN.md §3.3–3.4): lease a message's due recipients, and
/// record an attempt — attempt rows, recipient states, timeline events and the message's status —
/// in one commit.
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Leases every recipient of the message that is due, or whose previous lease expired (its
    /// sender died; that sender's cut-off attempt is recorded as ambiguous). Returns null when there
    /// is nothing to do: a duplicate or early command.
    /// </summary>
    public async Task<LeasedDelivery?> LeaseAsync(Guid messageId, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        var leasedUntil = now + leaseDuration;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(LeaseSql, P(messageId), P(leasedUntil), P(token), P(now)),
                Command("""
                    SELECT m.envelope_from, m.expires_at, c.mime, m.project_id, m.created_at
                    FROM messages m JOIN message_contents c ON c.message_id = m.id
                    WHERE m.id = $1 AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = $1 AND r.lease_token = $2)
                    """, P(messageId), P(token)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var recipients = new List<LeasedRecipient>();
        while (await reader.ReadAsync(cancellationToken))
        {
            recipients.Add(new LeasedRecipient(reader.GetInt16(0), reader.GetString(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), TakenOverFromLapsedLease: reader.GetBoolean(6)));
        }
        await reader.NextResultAsync(cancellationToken);
        if (recipients.Count == 0 || !await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new LeasedDelivery(messageId, token, leasedUntil, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1),
            reader.GetFieldValue<byte[]>(2), recipients)
        {
            ProjectId = reader.GetGuid(3),
            AcceptedAt = reader.GetFieldValue<DateTimeOffset>(4),
        };
    }

    // A recipient still 'sending' after its lease ran out was held by a sender that stopped
    // mid-transaction (kill -9, OOM, a lost node). Whether that sender's DATA reached the remote is
    // unknowable now, so its cut-off attempt is recorded here — once, by whoever takes the
    // recipient over — as deferred and ambiguous: a duplicate it causes is then counted like any
    // other (DESIGN.md §3), and the recipient's attempt count includes it.
    private const string LapsedReply =
        "lease lapsed: the sender delivering this stopped mid-transaction; the remote may have received the message";

    private static readonly string LeaseSql = $"""
        WITH due AS (
            SELECT ordinal, status = 'sending' AS lapsed FROM recipients
            WHERE message_id = $1
              AND ((status IN ('queued', 'scheduled', 'deferred') AND next_attempt_at <= $4)
                   OR (status = 'sending' AND leased_until < $4))
            FOR UPDATE
        ), leased AS (
            UPDATE recipients r SET status = 'sending', leased_until = $2, lease_token = $3,
                                    attempts = r.attempts + CASE WHEN due.lapsed THEN 1 ELSE 0 END
            FROM due
            WHERE r.message_id = $1 AND r.ordinal = due.ordinal
            RETURNING r.ordinal, r.address, r.attempts, r.last_reply_code, r.last_enhanced_code, r.last_reply, due.lapsed
        ), lapsed_attempts AS (
            INSERT INTO delivery_attempts (message_id, recipient_ordinal, attempt, started_at, duration_ms, tls, reply, outcome, ambiguous)
            SELECT $1, ordinal, attempts, $4, 0, false, '{LapsedReply}', 'deferred', true FROM leased WHERE lapsed
        ), message AS (
            UPDATE messages SET status = 'sending', {Outbox.Leased("$2")}
            WHERE id = $1 AND EXISTS (SELECT 1 FROM leased)
        ), taken AS (
            -- Nothing to do, but the command is consumed all the same: no longer with the broker.
            UPDATE messages SET {Outbox.Taken}
            WHERE id = $1 AND dispatched_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM leased)
        )
        SELECT ordinal, address, attempts, last_reply_code, last_enhanced_code, last_reply, lapsed FROM leased ORDER BY ordinal
        """;

    /// <summary>
    /// Commits one attempt in ONE statement (atomic without BEGIN/COMMIT round trips): the attempt
    /// rows, the recipients' new states, their timeline events with per-message sequence numbers,
    /// and the message's status and outbox due time. Recipient rows change only while the lease is
    /// still this sender's: a sender that outlived its lease records its attempt but leaves the
    /// outcome to the new owner.
    /// </summary>
    public async Task RecordAsync(LeasedDelivery delivery, TransactionResult? result, IReadOnlyList<RecipientUpdate> updates,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var attempted = updates.Where(u => u.Attempted).ToList();
        var recordAttempts = result is not null && attempted.Count > 0;
        await using var command = dataSource.CreateCommand(recordAttempts ? AttemptsSql + RecordSql : "WITH " + RecordSql);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            P(delivery.MessageId), P(delivery.LeaseToken),
            P(updates.Select(u => u.Ordinal).ToArray()), P(updates.Select(u => u.Status).ToArray()),
            P(updates.Select(u => u.Attempt).ToArray()), P(updates.Select(u => u.NextAttemptAt).ToArray()),
            P(updates.Select(u => u.DeliveredAt).ToArray()), P(updates.Select(u => u.ReplyCode).ToArray()),
            P(updates.Select(u => u.EnhancedCode).ToArray()), P(updates.Select(u => u.Reply).ToArray()),
            P(updates.Select(u => u.Reason?.ToSnakeCase()).ToArray()),
            P(updates.Select(_ => Guid.CreateVersion7(now)).ToArray()),
            new() { Value = updates.Select(u => EventDetails(u, result)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
        });
        if (recordAttempts)
        {
            command.Parameters.AddRange(new NpgsqlParameter[]
            {
                P(result!.StartedAt), P((int)result.Duration.TotalMilliseconds), P(result.RemoteHost), P(result.RemoteIp), P(result.Tls),
                P(attempted.Select(u => u.Ordinal).ToArray()), P(attempted.Select(u => u.Attempt).ToArray()),
                P(attempted.Select(u => u.ReplyCode).ToArray()), P(attempted.Select(u => u.EnhancedCode).ToArray()),
                P(attempted.Select(u => u.Reply).ToArray()), P(attempted.Select(u => u.Outcome).ToArray()),
                P(attempted.Select(u => u.Ambiguous).ToArray()), P(attempted.Select(u => u.Reason?.ToSnakeCase()).ToArray()),
                P(result.TlsFallback),
            });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // $14.. : the attempt rows ($1 is the message id); $27 why the session was in clear text
    // after a failed STARTTLS handshake (migration 0011), null otherwise.
    private const string AttemptsSql = """
        WITH attempts AS (
            INSERT INTO delivery_attempts (message_id, recipient_ordinal, attempt, started_at, duration_ms, remote_host, remote_ip,
                                           tls, reply_code, enhanced_code, reply, outcome, ambiguous, bounce_reason, tls_fallback)
            SELECT $1, a.ordinal, a.attempt, $14, $15, $16, $17, $18, a.reply_code, a.enhanced_code, a.reply, a.outcome, a.ambiguous, a.reason, $27
            FROM unnest($19::smallint[], $20::int[], $21::int[], $22::text[], $23::text[], $24::text[], $25::bool[], $26::text[])
                 AS a(ordinal, attempt, reply_code, enhanced_code, reply, outcome, ambiguous, reason)
        ),
        """;

    // $1 message, $2 lease token, $3..$11 the recipients' new states, $12 event ids, $13 event details;
    // the events' occurred_at is the database's clock (the column default), see migration 0005.
    private static readonly string RecordSql = $"""
        u AS (
            SELECT * FROM unnest($3::smallint[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[], $8::int[], $9::text[],
                                 $10::text[], $11::text[], $12::uuid[], $13::jsonb[])
                 AS u(ordinal, status, attempt, next_attempt_at, delivered_at, reply_code, enhanced_code, reply, reason, event_id, details)
        ), updated AS (
            UPDATE recipients r
            SET status = u.status, attempts = u.attempt, next_attempt_at = u.next_attempt_at,
                leased_until = NULL, lease_token = NULL, delivered_at = u.delivered_at,
                last_reply_code = coalesce(u.reply_code, r.last_reply_code),
                last_enhanced_code = CASE WHEN u.reply_code IS NULL THEN r.last_enhanced_code ELSE u.enhanced_code END,
                last_reply = coalesce(u.reply, r.last_reply),
                bounce_reason = u.reason
            FROM u
            WHERE r.message_id = $1 AND r.ordinal = u.ordinal AND r.lease_token = $2
            RETURNING r.ordinal, r.address, r.status, r.next_attempt_at
        ), states AS (
            -- The statement sees the recipients as they were: the new states of the updated rows,
            -- the old ones of the rest, together, are what the message's status is derived from.
            SELECT status, next_attempt_at, NULL::timestamptz AS leased_until FROM updated
            UNION ALL
            SELECT status, next_attempt_at, leased_until FROM recipients
            WHERE message_id = $1 AND ordinal <> ALL (SELECT ordinal FROM updated)
        ), message AS (
            UPDATE messages m
            SET event_seq = m.event_seq + (SELECT count(*) FROM updated), status = s.status, next_dispatch_at = s.next_dispatch_at
            FROM ({MessageStatusSql.Aggregate("states")}) s
            WHERE m.id = $1
            RETURNING m.event_seq, m.project_id
        )
        INSERT INTO events (id, message_id, project_id, sequence, recipient, type, details)
        SELECT u.event_id, $1, message.project_id, message.event_seq - (SELECT count(*) FROM updated) + row_number() OVER (ORDER BY updated.ordinal),
               updated.address, updated.status, u.details
        FROM updated JOIN u ON u.ordinal = updated.ordinal CROSS JOIN message
        """;

    /// <summary>
    /// Pushes the lease to <paramref name="leasedUntil"/>, and the message's due time with it, if it
    /// is still this sender's; false if another sender has taken it.
    /// </summary>
    public async Task<bool> RenewAsync(LeasedDelivery delivery, DateTimeOffset leasedUntil, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(RenewSql);
        command.Parameters.AddRange(new NpgsqlParameter[] { P(delivery.MessageId), P(delivery.LeaseToken), P(leasedUntil) });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    private static readonly string RenewSql = $"""
        WITH renewed AS (
            UPDATE recipients SET leased_until = $3 WHERE message_id = $1 AND lease_token = $2
            RETURNING 1
        ), message AS (
            UPDATE messages SET {Outbox.Renewed("$3")} WHERE id = $1 AND EXISTS (SELECT 1 FROM renewed)
        )
        SELECT count(*) FROM renewed
        """;

    /// <summary>
    /// Gives the lease back untouched, so a sender shutting down doesn't make its recipients wait out
    /// the lease: they were due, so the message is due again at once.
    /// </summary>
    public async Task ReleaseAsync(LeasedDelivery delivery, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("""
                    UPDATE recipients SET status = CASE WHEN attempts = 0 THEN 'queued' ELSE 'deferred' END,
                                          leased_until = NULL, lease_token = NULL
                    WHERE message_id = $1 AND lease_token = $2
                    """, P(delivery.MessageId), P(delivery.LeaseToken)),
                Command(MessageStatusSql.Refresh, P(delivery.MessageId)),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Hands some leased recipients back, due at <paramref name="until"/>, with no attempt and no
    /// event: the destination's message rate is used up for now (nothing was tried, so nothing
    /// happened that the timeline should tell).
    /// </summary>
    public async Task PostponeAsync(LeasedDelivery delivery, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("""
                    UPDATE recipients SET status = CASE WHEN attempts = 0 THEN 'queued' ELSE 'deferred' END,
                                          next_attempt_at = $3, leased_until = NULL, lease_token = NULL
                    WHERE message_id = $1 AND lease_token = $2 AND ordinal = ANY($4)
                    """, P(delivery.MessageId), P(delivery.LeaseToken), P(until), P(delivery.Recipients.Select(r => r.Ordinal).ToArray())),
                Command(MessageStatusSql.Refresh, P(delivery.MessageId)),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string EventDetails(RecipientUpdate update, TransactionResult? result) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["attempt"] = update.Attempted ? update.Attempt : null,
            ["reply_code"] = update.ReplyCode,
            ["enhanced_code"] = update.EnhancedCode,
            ["reply"] = update.Reply,
            ["remote_host"] = result?.RemoteHost,
            ["bounce_reason"] = update.Reason?.ToSnakeCase(),
            ["hard"] = update.Status is RecipientStatus.Bounced or RecipientStatus.Failed ? update.Hard : null,
            ["ambiguous"] = update.Ambiguous ? true : null,
            ["next_attempt_at"] = update.NextAttemptAt,
        }.Where(p => p.Value is not null).ToDictionary());
}
