using EmailRelay.Data;
using Npgsql;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// The dispatcher's statements on <c>webhook_deliveries</c> (DESIGN.md §6). Every replica claims
/// with <c>FOR UPDATE SKIP LOCKED</c> and a lease, and the caps are counts of leased rows, so they
/// hold across replicas: claims are serialised by a transaction-scoped advisory lock (one short
/// statement each), without which two replicas could each see an endpoint one below its cap.
/// </summary>
public sealed class WebhookDeliveryStore(NpgsqlDataSource dataSource)
{
    // Any fixed number, the same for every replica: "Webhooks".
    private const long ClaimLockId = 0x576562686F6F6B73;

    /// <summary>
    /// Leases due deliveries for one attempt each: per enabled endpoint the most overdue ones, as
    /// many as the endpoint has room for under <paramref name="perEndpoint"/>, so an endpoint at its
    /// cap never holds back another's; then the most overdue of those, up to <paramref name="limit"/>
    /// and the room left under <paramref name="global"/>.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(DateTimeOffset now, DateTimeOffset leasedUntil, int limit, int perEndpoint,
        int global, TimeSpan firstDelay, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One batch, one implicit transaction: the lock is held until the claim has committed.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command($"SELECT pg_advisory_xact_lock({ClaimLockId})"),
                Command(ClaimSql, P(now), P(leasedUntil), P(token), P(perEndpoint), P(global), P(limit), P(firstDelay)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var claimed = new List<ClaimedDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var hasEvent = !reader.IsDBNull(12);
            claimed.Add(new ClaimedDelivery(
                Id: reader.GetGuid(0), CreatedAt: reader.GetFieldValue<DateTimeOffset>(1), EndpointId: reader.GetGuid(2),
                EventId: reader.GetGuid(3), EventType: reader.GetString(4), MessageId: reader.GetGuid(5), Attempt: reader.GetInt32(6),
                LeaseToken: token, Url: reader.GetString(7), Secret: reader.GetString(8),
                PreviousSecret: reader.IsDBNull(9) ? null : reader.GetString(9),
                PreviousExpiresAt: reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                Payload: reader.IsDBNull(11) ? null : reader.GetFieldValue<byte[]>(11),
                Event: hasEvent
                    ? new WebhookEvent(reader.GetInt32(12), reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetFieldValue<DateTimeOffset>(14),
                        reader.GetString(15), reader.GetFieldValue<string[]>(16), reader.GetString(17))
                    : null));
        }
        return claimed;
    }

    // $1 now, $2 leased until, $3 lease token, $4 per-endpoint cap, $5 global cap, $6 batch limit,
    // $7 the delay before a first attempt (counted from the fan-out's next_attempt_at).
    private const string ClaimSql = """
        WITH inflight AS (
            SELECT endpoint_id, count(*)::int AS n FROM webhook_deliveries
            WHERE leased_until > $1 AND status = 'pending'
            GROUP BY endpoint_id
        ), picked AS (
            SELECT d.id, d.created_at
            FROM webhook_endpoints e
            LEFT JOIN inflight i ON i.endpoint_id = e.id
            CROSS JOIN LATERAL (
                SELECT w.id, w.created_at, w.next_attempt_at FROM webhook_deliveries w
                WHERE w.endpoint_id = e.id AND w.status = 'pending' AND w.next_attempt_at <= $1
                  AND (w.leased_until IS NULL OR w.leased_until <= $1)
                  AND (w.attempts > 0 OR w.next_attempt_at <= $1 - $7)
                ORDER BY w.next_attempt_at
                LIMIT greatest($4 - coalesce(i.n, 0), 0)
                FOR UPDATE OF w SKIP LOCKED
            ) d
            WHERE e.enabled AND e.deleted_at IS NULL AND coalesce(i.n, 0) < $4
            ORDER BY d.next_attempt_at
            LIMIT least($6, greatest($5 - (SELECT coalesce(sum(n), 0) FROM inflight), 0))
        ), claimed AS (
            UPDATE webhook_deliveries w SET leased_until = $2, lease_token = $3, attempts = w.attempts + 1
            FROM picked WHERE w.id = picked.id AND w.created_at = picked.created_at
            RETURNING w.id, w.created_at, w.endpoint_id, w.event_id, w.event_occurred_at, w.event_type, w.message_id, w.attempts, w.payload
        )
        SELECT c.id, c.created_at, c.endpoint_id, c.event_id, c.event_type, c.message_id, c.attempts,
               e.url, e.secret, e.previous_secret, e.previous_expires_at, c.payload,
               ev.sequence, ev.recipient, ev.occurred_at, ev.details::text, m.tags, m.metadata::text
        FROM claimed c
        JOIN webhook_endpoints e ON e.id = c.endpoint_id
        LEFT JOIN events ev ON c.payload IS NULL AND ev.id = c.event_id AND ev.occurred_at = c.event_occurred_at
        LEFT JOIN messages m ON c.payload IS NULL AND m.id = c.message_id
        """;

    /// <summary>
    /// Fails the due deliveries of endpoints disabled or deleted since they were made, without a
    /// request. Returns how many.
    /// </summary>
    public async Task<int> FailOrphansAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // First the endpoints concerned, each probed on its own due index (LIMIT 1 in a LATERAL keeps
        // it a probe): the usual answer is none, found without reading the backlog of the endpoints
        // that are fine. A join in the UPDATE was planned as a hash of every due delivery of every
        // endpoint, on every pass: with 30,000 waiting, the dispatcher's main cost.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var find = new NpgsqlCommand("""
            SELECT e.id FROM webhook_endpoints e
            CROSS JOIN LATERAL (SELECT 1 FROM webhook_deliveries w
                                WHERE w.endpoint_id = e.id AND w.status = 'pending' AND w.next_attempt_at <= $1 LIMIT 1) due
            WHERE NOT e.enabled OR e.deleted_at IS NOT NULL
            """, connection);
        find.Parameters.Add(P(now));
        var orphans = new List<Guid>();
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                orphans.Add(reader.GetGuid(0));
            }
        }
        if (orphans.Count == 0)
        {
            return 0;
        }
        await using var fail = new NpgsqlCommand("""
            UPDATE webhook_deliveries w
            SET status = 'failed', next_attempt_at = NULL, completed_at = $1, leased_until = NULL, lease_token = NULL,
                last_error = CASE WHEN e.deleted_at IS NOT NULL THEN 'not sent: the endpoint was deleted'
                                  ELSE 'not sent: the endpoint is disabled' || coalesce(' (' || e.disabled_reason || ')', '') END
            FROM webhook_endpoints e
            WHERE e.id = ANY ($2) AND w.endpoint_id = e.id AND (NOT e.enabled OR e.deleted_at IS NOT NULL)
              AND w.status = 'pending' AND w.next_attempt_at <= $1 AND (w.leased_until IS NULL OR w.leased_until <= $1)
            """, connection);
        fail.Parameters.AddRange(new NpgsqlParameter[] { P(now), P(orphans.ToArray()) });
        return await fail.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Records an attempt and what its delivery becomes, in one transaction. The attempt row is
    /// always written; the delivery changes only while this claim still holds it. A 410 disables
    /// the endpoint and fails its other pending deliveries that are not being sent right now.
    /// </summary>
    /// <returns>Whether the claim still held the delivery.</returns>
    public async Task<bool> RecordAsync(ClaimedDelivery delivery, AttemptResult result, DeliveryDecision decision, byte[]? payload,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("""
                    INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt, attempted_at, duration_ms, status_code, error, response_excerpt)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    """,
                    P(delivery.Id), P(delivery.EndpointId), P(delivery.Attempt), P(result.AttemptedAt),
                    P((int)Math.Min(int.MaxValue, result.Duration.TotalMilliseconds)), P(result.StatusCode), P(result.Error), P(result.ResponseExcerpt)),
                Command("""
                    UPDATE webhook_deliveries
                    SET status = $4, next_attempt_at = $5, completed_at = $6, leased_until = NULL, lease_token = NULL,
                        last_status_code = $7, last_error = $8, payload = coalesce(payload, $9)
                    WHERE id = $1 AND created_at = $2 AND lease_token = $3
                    """,
                    P(delivery.Id), P(delivery.CreatedAt), P(delivery.LeaseToken), P(decision.Status), P(decision.NextAttemptAt),
                    P(decision.IsFinal ? now : (DateTimeOffset?)null), P(result.StatusCode), P(result.Error), P(payload)),
            },
        };
        if (decision.DisableEndpoint is { } reason)
        {
            batch.BatchCommands.Add(Command(
                "UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled",
                P(delivery.EndpointId), P(reason), P(now)));
            batch.BatchCommands.Add(Command("""
                UPDATE webhook_deliveries
                SET status = 'failed', next_attempt_at = NULL, completed_at = $3, leased_until = NULL, lease_token = NULL,
                    last_error = 'not sent: the endpoint is disabled (' || $2 || ')'
                WHERE endpoint_id = $1 AND status = 'pending' AND (leased_until IS NULL OR leased_until <= $3)
                """, P(delivery.EndpointId), P(reason), P(now)));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return batch.BatchCommands[1].RecordsAffected > 0;
    }
}
