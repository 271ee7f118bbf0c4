using Dapper;
using EmailRelay.Api.Http;
using Npgsql;

namespace EmailRelay.Api.Webhooks;

/// <summary>
/// The API's side of <c>webhook_deliveries</c>: an endpoint's deliveries with their attempts, and
/// replay. The caller has already checked that the endpoint is the caller's.
/// </summary>
public sealed class WebhookDeliveries(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly string[] Statuses = ["pending", "succeeded", "failed"];

    private const string Columns = """
        id, event_id, event_type, message_id AS email_id, status, attempts, next_attempt_at, last_status_code, last_error,
        created_at, completed_at
        """;

    /// <summary>Newest first, after <paramref name="after"/>; one more than <paramref name="limit"/> tells that more follow.</summary>
    public async Task<Page<WebhookDeliveryResponse>> ListAsync(Guid endpointId, string? status, Guid? after, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM webhook_deliveries
            WHERE endpoint_id = @endpointId AND (@status::text IS NULL OR status = @status) AND (@after::uuid IS NULL OR id < @after)
            ORDER BY id DESC LIMIT @limit
            """,
            new { endpointId, status, after, limit = limit + 1 }, cancellationToken: cancellationToken))).AsList();
        var next = KeysetPage.TrimToPage(rows, limit, r => Cursor.Encode(r.Id));
        return new Page<WebhookDeliveryResponse>(await WithAttemptsAsync(connection, rows, cancellationToken), next);
    }

    public async Task<WebhookDeliveryResponse?> GetAsync(Guid endpointId, Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {Columns} FROM webhook_deliveries WHERE id = @deliveryId AND endpoint_id = @endpointId",
            new { endpointId, deliveryId }, cancellationToken: cancellationToken));
        return row is null ? null : (await WithAttemptsAsync(connection, [row], cancellationToken))[0];
    }

    /// <summary>
    /// Makes the delivery pending and due now, its schedule starting over, unless its endpoint was
    /// disabled or deleted meanwhile or an attempt of it is in flight (a replay then would send it twice at once).
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(Guid endpointId, Guid deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var state = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            """
            WITH target AS (
                SELECT d.id, d.created_at, e.enabled AND e.deleted_at IS NULL AS endpoint_open, d.leased_until > @now AS in_flight
                FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.id = @deliveryId AND d.endpoint_id = @endpointId
                FOR UPDATE OF d
            ), replayed AS (
                UPDATE webhook_deliveries d
                SET status = 'pending', attempts = 0, next_attempt_at = @now, completed_at = NULL
                FROM target t
                WHERE d.id = t.id AND d.created_at = t.created_at AND t.endpoint_open AND NOT coalesce(t.in_flight, false)
                RETURNING d.id
            )
            SELECT CASE WHEN EXISTS (SELECT 1 FROM replayed) THEN 'replayed'
                        WHEN NOT endpoint_open THEN 'endpoint_closed'
                        ELSE 'in_flight' END
            FROM target
            """,
            new { endpointId, deliveryId, now }, cancellationToken: cancellationToken));
        return state switch
        {
            null => ReplayResult.NotFound,
            "replayed" => ReplayResult.Replayed,
            "endpoint_closed" => ReplayResult.EndpointClosed,
            _ => ReplayResult.InFlight,
        };
    }

    private static async Task<List<WebhookDeliveryResponse>> WithAttemptsAsync(NpgsqlConnection connection, List<DeliveryRow> rows,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var attempts = (await connection.QueryAsync<AttemptRow>(new CommandDefinition(
            """
            SELECT delivery_id, attempt, attempted_at, duration_ms, status_code, error, response_excerpt
            FROM webhook_attempts WHERE delivery_id = ANY(@ids) ORDER BY attempted_at, id
            """,
            new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken))).ToLookup(a => a.DeliveryId);
        return rows.Select(r => new WebhookDeliveryResponse(r.Id, r.EventId, r.EventType, r.EmailId, r.Status, r.Attempts, r.NextAttemptAt,
            r.LastStatusCode, r.LastError, r.CreatedAt, r.CompletedAt,
            attempts[r.Id].Select(a => new WebhookAttemptResponse(a.Attempt, a.AttemptedAt, a.DurationMs, a.StatusCode, a.Error, a.ResponseExcerpt))
                .ToList())).ToList();
    }

    private sealed class DeliveryRow
    {
        public Guid Id { get; init; }
        public Guid EventId { get; init; }
        public string EventType { get; init; } = "";
        public Guid EmailId { get; init; }
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime? NextAttemptAt { get; init; }
        public int? LastStatusCode { get; init; }
        public string? LastError { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? CompletedAt { get; init; }
    }

    private sealed class AttemptRow
    {
        public Guid DeliveryId { get; init; }
        public int Attempt { get; init; }
        public DateTime AttemptedAt { get; init; }
        public int DurationMs { get; init; }
        public int? StatusCode { get; init; }
        public string? Error { get; init; }
        public string? ResponseExcerpt { get; init; }
    }
}
