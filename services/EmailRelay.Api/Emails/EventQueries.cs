using System.Text.Json.Nodes;
using Dapper;
using EmailRelay.Api.Http;
using Npgsql;

namespace EmailRelay.Api.Emails;

/// <summary>
/// The event feed (<c>GET /v1/events</c>): oldest first, strictly after the cursor, so a client can
/// tail it. Ids are UUIDv7 made just before their transaction commits; events younger than
/// <see cref="VisibilityLag"/> are held back so one committed a moment later with a smaller id is
/// never skipped by a client that already moved past it.
/// </summary>
public sealed class EventQueries(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan VisibilityLag = TimeSpan.FromSeconds(2);

    public async Task<Page<JsonObject>> ListAsync(EventFilter filter, CancellationToken cancellationToken)
    {
        var conditions = new List<string> { "e.id < @horizon" };
        var parameters = new DynamicParameters();
        parameters.Add("horizon", Guid.CreateVersion7(time.GetUtcNow() - VisibilityLag));
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
            conditions.Add("e.occurred_at >= @since");
            parameters.Add("since", filter.Since.Value);
        }
        if (filter.After is not null)
        {
            conditions.Add("e.id > @after");
            parameters.Add("after", filter.After.Value);
        }
        parameters.Add("limit", filter.Limit);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"""
            SELECT e.id, e.message_id, e.sequence, e.type, e.recipient, e.occurred_at, e.details::text AS details
            FROM events e WHERE {string.Join(" AND ", conditions)}
            ORDER BY e.id LIMIT @limit
            """, parameters, cancellationToken: cancellationToken))).AsList();
        var data = rows.Select(r =>
        {
            var json = EventJson.From(r.Id, r.Sequence, r.Type, r.Recipient, r.OccurredAt, r.Details);
            json.Insert(1, "email_id", r.MessageId);
            return json;
        }).ToList();
        // Always a cursor to resume from, even on an empty page: tailing clients poll with it.
        var next = rows.Count > 0 ? Cursor.Encode(rows[^1].Id) : filter.After is { } after ? Cursor.Encode(after) : null;
        return new Page<JsonObject>(data, next);
    }

    private sealed record EventRow(Guid Id, Guid MessageId, int Sequence, string Type, string? Recipient, DateTime OccurredAt, string Details);
}

public sealed record EventFilter(Guid? Project, string? Type, string? Recipient, Guid? EmailId, DateTimeOffset? Since, int Limit, Guid? After);
