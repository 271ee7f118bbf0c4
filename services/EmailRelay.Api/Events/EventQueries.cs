using System.Text.Json.Nodes;
using Dapper;
using EmailRelay.Api.Http;
using EmailRelay.Data.Events;
using Npgsql;

namespace EmailRelay.Api.Events;

/// <summary>
/// The event feed (<c>GET /v1/events</c>): oldest first in feed order, strictly after the cursor,
/// so a client can tail it. Only settled events are shown (<see cref="EventFeedSql"/>): an event
/// whose transaction commits late appears after the positions handed out before it, never behind
/// them, so a client that follows next_cursor sees every event exactly once.
/// </summary>
public sealed class EventQueries(NpgsqlDataSource dataSource)
{
    public async Task<Page<JsonObject>> ListAsync(EventFilter filter, CancellationToken cancellationToken)
    {
        var conditions = new List<string> { EventFeedSql.Settled("e") };
        var parameters = new DynamicParameters();
        if (filter.Project is not null)
        {
            conditions.Add("e.project_id = @project");
            parameters.Add("project", filter.Project.Value);
        }
        if (filter.Type is not null)
        {
            conditions.Add("e.type = @type");
            parameters.Add("type", filter.Type);
        }
        if (filter.Recipient is not null)
        {
            conditions.Add("lower(e.recipient) = lower(@recipient)");
            parameters.Add("recipient", filter.Recipient);
        }
        if (filter.EmailId is not null)
        {
            conditions.Add("e.message_id = @emailId");
            parameters.Add("emailId", filter.EmailId.Value);
        }
        if (filter.Since is not null)
        {
            // The tx bound turns "since" into a start position on the feed indexes; occurred_at
            // stays the exact condition (and prunes the older partitions).
            conditions.Add($"e.occurred_at >= @since AND e.tx >= {EventFeedSql.TxLowerBoundSince("@since")}");
            parameters.Add("since", filter.Since.Value);
        }
        if (filter.After is { } after)
        {
            conditions.Add("(e.tx, e.id) > (@afterTx::xid8, @afterId)");
            parameters.Add("afterTx", after.Tx.ToString(System.Globalization.CultureInfo.InvariantCulture));
            parameters.Add("afterId", after.EventId);
        }
        parameters.Add("limit", filter.Limit);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"""
            SELECT e.tx::text AS tx, e.id, e.message_id, e.sequence, e.type, e.recipient, e.occurred_at, e.details::text AS details
            FROM events e WHERE {string.Join(" AND ", conditions)}
            ORDER BY e.tx, e.id LIMIT @limit
            """, parameters, cancellationToken: cancellationToken))).AsList();
        var data = rows.Select(r =>
        {
            var json = EventJson.From(r.Id, r.Sequence, r.Type, r.Recipient, r.OccurredAt, r.Details);
            json.Insert(1, "email_id", r.MessageId);
            return json;
        }).ToList();
        // Always a cursor to resume from, even on an empty page: tailing clients poll with it.
        var next = rows.Count > 0 ? new FeedPosition(ulong.Parse(rows[^1].Tx, System.Globalization.CultureInfo.InvariantCulture), rows[^1].Id)
            : filter.After;
        return new Page<JsonObject>(data, next?.Encode());
    }

    /// <summary>
    /// The position of an event named by a cursor from before feed positions existed (its id alone),
    /// so a client tailing across the upgrade goes on where it was; null if that event is gone.
    /// </summary>
    public async Task<FeedPosition?> PositionOfAsync(Guid eventId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var tx = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT tx::text FROM events WHERE id = @eventId", new { eventId }, cancellationToken: cancellationToken));
        return tx is null ? null : new FeedPosition(ulong.Parse(tx, System.Globalization.CultureInfo.InvariantCulture), eventId);
    }

    private sealed record EventRow(string Tx, Guid Id, Guid MessageId, int Sequence, string Type, string? Recipient, DateTime OccurredAt, string Details);
}

public sealed record EventFilter(Guid? Project, string? Type, string? Recipient, Guid? EmailId, DateTimeOffset? Since, int Limit, FeedPosition? After);
