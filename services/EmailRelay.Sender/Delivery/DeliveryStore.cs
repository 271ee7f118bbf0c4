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
public sealed class DeliveryStore(NpgsqlDataSource dataSource, [FromKeyedServices(RelayDataSource.CustomPlans)] NpgsqlDataSource groups)
{
    /// <summary>
    /// Leases, for each request, every recipient of its message that is due, or whose previous
    /// lease expired (its sender died; that sender's cut-off attempt is recorded as ambiguous), in
    /// one statement and one commit (<see cref="LeaseGroupCommit"/>). Returns each leased delivery
    /// by its request's token; a request with nothing to do (a duplicate or early command) gets
    /// none. Two requests for the same message lease it once: the first one's gets it.
    /// </summary>
    public async Task<Dictionary<Guid, LeasedDelivery>> LeaseAsync(IReadOnlyList<LeaseRequest> requests, CancellationToken cancellationToken)
    {
        var unique = requests.DistinctBy(r => r.MessageId).ToList();
        var ids = unique.Select(r => r.MessageId).ToArray();
        var tokens = unique.Select(r => r.Token).ToArray();
        var now = requests.Max(r => r.Now);
        await using var connection = await groups.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(LeaseSql, P(ids), P(tokens), P(unique.Select(r => r.LeasedUntil).ToArray()), P(now)),
                // Tokens are fresh random ids, so a recipient holding any of them was leased just now, for its own message.
                Command("""
                    SELECT m.id, m.envelope_from, m.expires_at, c.mime, m.project_id, m.created_at
                    FROM messages m JOIN message_contents c ON c.message_id = m.id
                    WHERE m.id = ANY($1) AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.lease_token = ANY($2))
                    """, P(ids), P(tokens)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var recipients = new Dictionary<Guid, List<LeasedRecipient>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var messageId = reader.GetGuid(0);
            if (!recipients.TryGetValue(messageId, out var list))
            {
                recipients[messageId] = list = [];
            }
            list.Add(new LeasedRecipient(reader.GetInt16(1), reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), TakenOverFromLapsedLease: reader.GetBoolean(7)));
        }
        await reader.NextResultAsync(cancellationToken);
        var byMessage = unique.ToDictionary(r => r.MessageId);
        var leased = new Dictionary<Guid, LeasedDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var request = byMessage[reader.GetGuid(0)];
            if (recipients.TryGetValue(request.MessageId, out var list))
            {
                leased[request.Token] = new LeasedDelivery(request.MessageId, request.Token, request.LeasedUntil, reader.GetString(1),
                    reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<byte[]>(3), list)
                {
                    ProjectId = reader.GetGuid(4),
                    AcceptedAt = reader.GetFieldValue<DateTimeOffset>(5),
                };
            }
        }
        return leased;
    }

    // A recipient still 'sending' after its lease ran out was held by a sender that stopped
    // mid-transaction (kill -9, OOM, a lost node). Whether that sender's DATA reached the remote is
    // unknowable now, so its cut-off attempt is recorded here — once, by whoever takes the
    // recipient over — as deferred and ambiguous: a duplicate it causes is then counted like any
    // other (DESIGN.md §3), and the recipient's attempt count includes it.
    private const string LapsedReply =
        "lease lapsed: the sender delivering this stopped mid-transaction; the remote may have received the message";

    // $1 the messages (each once), $2 their new lease tokens, $3 their leases' ends, $4 now. The
    // recipients are found by = ANY($1): an index scan whatever the plan (a join against an
    // unnest was planned as a whole-table scan while the table was small), and in key order, so
    // two statements that lock the same recipients lock them in the same order.
    private static readonly string LeaseSql = $"""
        WITH t AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS t(message_id, token, leased_until)
        ), due AS (
            SELECT message_id, ordinal, status = 'sending' AS lapsed FROM recipients
            WHERE message_id = ANY($1)
              AND ((status IN ('queued', 'scheduled', 'deferred') AND next_attempt_at <= $4)
                   OR (status = 'sending' AND leased_until < $4))
            FOR UPDATE
        ), leased AS (
            UPDATE recipients r SET status = 'sending', leased_until = t.leased_until, lease_token = t.token,
                                    attempts = r.attempts + CASE WHEN due.lapsed THEN 1 ELSE 0 END
            FROM due JOIN t ON t.message_id = due.message_id
            WHERE r.message_id = due.message_id AND r.ordinal = due.ordinal
            RETURNING r.message_id, r.ordinal, r.address, r.attempts, r.last_reply_code, r.last_enhanced_code, r.last_reply, due.lapsed
        ), lapsed_attempts AS (
            INSERT INTO delivery_attempts (message_id, recipient_ordinal, attempt, started_at, duration_ms, tls, reply, outcome, ambiguous)
            SELECT message_id, ordinal, attempts, $4, 0, false, '{LapsedReply}', 'deferred', true FROM leased WHERE lapsed
        ), message AS (
            UPDATE message_states m SET status = 'sending', {Outbox.Leased("t.leased_until")}
            FROM t
            WHERE m.message_id = t.message_id AND EXISTS (SELECT 1 FROM leased l WHERE l.message_id = t.message_id)
        ), taken AS (
            -- Nothing to do, but the command is consumed all the same: no longer with the broker.
            UPDATE message_states m SET {Outbox.Taken}
            FROM t
            WHERE m.message_id = t.message_id AND m.dispatched_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM leased l WHERE l.message_id = t.message_id)
        )
        SELECT message_id, ordinal, address, attempts, last_reply_code, last_enhanced_code, last_reply, lapsed FROM leased
        ORDER BY message_id, ordinal
        """;

    /// <summary>
    /// Commits the attempts of one or more messages in ONE statement (atomic without BEGIN/COMMIT
    /// round trips; <see cref="RecordGroupCommit"/>): the attempt rows, the recipients' new states,
    /// their timeline events with per-message sequence numbers, and each message's status and
    /// outbox due time. Recipient rows change only while the lease is still this sender's: a sender
    /// that outlived its lease records its attempt but leaves the outcome to the new owner.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<AttemptRecord> records, CancellationToken cancellationToken)
    {
        var rows = records.SelectMany(r => r.Updates.Select(u => (Record: r, Update: u))).ToList();
        var attempts = records.Where(r => r.Result is not null)
            .SelectMany(r => r.Updates.Where(u => u.Attempted).Select(u => (Record: r, Result: r.Result!, Update: u))).ToList();
        var messages = records.Select(r => r.Delivery).DistinctBy(d => d.MessageId).ToList();
        await using var command = groups.CreateCommand(RecordSql);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            P(rows.Select(r => r.Record.Delivery.MessageId).ToArray()), P(rows.Select(r => r.Record.Delivery.LeaseToken).ToArray()),
            P(rows.Select(r => r.Update.Ordinal).ToArray()), P(rows.Select(r => r.Update.Status).ToArray()),
            P(rows.Select(r => r.Update.Attempt).ToArray()), P(rows.Select(r => r.Update.NextAttemptAt).ToArray()),
            P(rows.Select(r => r.Update.DeliveredAt).ToArray()), P(rows.Select(r => r.Update.ReplyCode).ToArray()),
            P(rows.Select(r => r.Update.EnhancedCode).ToArray()), P(rows.Select(r => r.Update.Reply).ToArray()),
            P(rows.Select(r => r.Update.Reason?.ToSnakeCase()).ToArray()),
            P(rows.Select(r => Guid.CreateVersion7(r.Record.Now)).ToArray()),
            new() { Value = rows.Select(r => EventDetails(r.Update, r.Record.Result)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            P(attempts.Select(a => a.Record.Delivery.MessageId).ToArray()), P(attempts.Select(a => a.Update.Ordinal).ToArray()),
            P(attempts.Select(a => a.Update.Attempt).ToArray()), P(attempts.Select(a => a.Result.StartedAt).ToArray()),
            P(attempts.Select(a => (int)a.Result.Duration.TotalMilliseconds).ToArray()), P(attempts.Select(a => a.Result.RemoteHost).ToArray()),
            P(attempts.Select(a => a.Result.RemoteIp).ToArray()), P(attempts.Select(a => a.Result.Tls).ToArray()),
            P(attempts.Select(a => a.Update.ReplyCode).ToArray()), P(attempts.Select(a => a.Update.EnhancedCode).ToArray()),
            P(attempts.Select(a => a.Update.Reply).ToArray()), P(attempts.Select(a => a.Update.Outcome).ToArray()),
            P(attempts.Select(a => a.Update.Ambiguous).ToArray()), P(attempts.Select(a => a.Update.Reason?.ToSnakeCase()).ToArray()),
            P(attempts.Select(a => a.Result.TlsFallback).ToArray()),
            P(messages.Select(m => m.MessageId).ToArray()), P(messages.Select(m => m.ProjectId).ToArray()),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // $1..$13: one row per recipient update (message, lease token, new state, event id and details);
    // $14..$28: one row per attempted recipient; $28 why the session was in clear text after a
    // failed STARTTLS handshake (migration 0011), null otherwise. $29: the messages, each once —
    // an array, so that even a plan made while the table was small reads their recipients through
    // the primary key (a join against u was planned as a scan of the whole table); $30 their
    // projects, as the lease read them, so the events need no lookup in `messages`. The events'
    // occurred_at is the database's clock (the column default), see migration 0005.
    private static readonly string RecordSql = $"""
        WITH attempts AS (
            INSERT INTO delivery_attempts (message_id, recipient_ordinal, attempt, started_at, duration_ms, remote_host, remote_ip,
                                           tls, reply_code, enhanced_code, reply, outcome, ambiguous, bounce_reason, tls_fallback)
            SELECT * FROM unnest($14::uuid[], $15::smallint[], $16::int[], $17::timestamptz[], $18::int[], $19::text[], $20::text[],
                                 $21::bool[], $22::int[], $23::text[], $24::text[], $25::text[], $26::bool[], $27::text[], $28::text[])
        ), u AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::smallint[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
                                 $8::int[], $9::text[], $10::text[], $11::text[], $12::uuid[], $13::jsonb[])
                 AS u(message_id, lease_token, ordinal, status, attempt, next_attempt_at, delivered_at, reply_code, enhanced_code, reply,
                      reason, event_id, details)
        ), updated AS (
            UPDATE recipients r
            SET status = u.status, attempts = u.attempt, next_attempt_at = u.next_attempt_at,
                leased_until = NULL, lease_token = NULL, delivered_at = u.delivered_at,
                last_reply_code = coalesce(u.reply_code, r.last_reply_code),
                last_enhanced_code = CASE WHEN u.reply_code IS NULL THEN r.last_enhanced_code ELSE u.enhanced_code END,
                last_reply = coalesce(u.reply, r.last_reply),
                bounce_reason = u.reason
            FROM u
            WHERE r.message_id = u.message_id AND r.ordinal = u.ordinal AND r.lease_token = u.lease_token
            RETURNING r.message_id, r.ordinal, r.address, r.status, r.next_attempt_at
        ), states AS (
            -- The statement sees the recipients as they were: the new states of the updated rows,
            -- the old ones of the rest, together, are what each message's status is derived from.
            SELECT message_id, status, next_attempt_at, NULL::timestamptz AS leased_until FROM updated
            UNION ALL
            SELECT r.message_id, r.status, r.next_attempt_at, r.leased_until FROM recipients r
            WHERE r.message_id = ANY($29::uuid[])
              AND NOT EXISTS (SELECT 1 FROM updated x WHERE x.message_id = r.message_id AND x.ordinal = r.ordinal)
        ), counts AS (
            -- A message whose lease was lost updates no recipient, but its status is still refreshed.
            SELECT m.message_id, m.project_id, count(x.ordinal) AS n
            FROM unnest($29::uuid[], $30::uuid[]) AS m(message_id, project_id) LEFT JOIN updated x ON x.message_id = m.message_id
            GROUP BY m.message_id, m.project_id
        ), message AS (
            UPDATE message_states m
            SET event_seq = m.event_seq + c.n, status = s.status, next_dispatch_at = s.next_dispatch_at
            FROM ({MessageStatusSql.AggregateByMessage("states")}) s JOIN counts c ON c.message_id = s.message_id
            WHERE m.message_id = s.message_id
            RETURNING m.message_id AS id, m.event_seq, c.project_id, c.n
        )
        INSERT INTO events (id, message_id, project_id, sequence, recipient, type, details)
        SELECT u.event_id, updated.message_id, message.project_id,
               message.event_seq - message.n + row_number() OVER (PARTITION BY updated.message_id ORDER BY updated.ordinal),
               updated.address, updated.status, u.details
        FROM updated JOIN u ON u.message_id = updated.message_id AND u.ordinal = updated.ordinal
             JOIN message ON message.id = updated.message_id
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
            UPDATE message_states SET {Outbox.Renewed("$3")} WHERE message_id = $1 AND EXISTS (SELECT 1 FROM renewed)
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
