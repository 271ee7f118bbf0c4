using System.Data;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using EmailRelay.Api.Events;
using EmailRelay.Api.Http;
using EmailRelay.Data;
using Npgsql;

namespace EmailRelay.Api.Emails;

/// <summary>The read side of the emails API; every list is keyset-paginated on the UUIDv7 id.</summary>
public sealed class EmailQueries(NpgsqlDataSource dataSource)
{
    /// <param name="project">The caller's project: another project's email is not found. Null: an operator, any project.</param>
    public async Task<EmailDetails?> GetAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the three reads: under READ COMMITTED each statement takes its own, and
        // a delivery recorded between them would show a message still "sending" beside a recipient
        // already deferred, or a status without its event.
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        // The children are read only when the message itself passed the project check.
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT id, s.status, created_at, send_at, from_header, subject, message_id_header, tags, metadata::text AS metadata
            FROM messages JOIN message_states s ON s.message_id = id WHERE id = @id {InProject(project)};
            SELECT address AS email, kind, status, attempts, last_reply_code, last_enhanced_code, last_reply, delivered_at,
                   CASE WHEN status IN ('scheduled', 'queued', 'deferred') THEN next_attempt_at END AS next_attempt_at, bounce_reason
            FROM recipients WHERE message_id = @id AND EXISTS (SELECT 1 FROM messages WHERE id = @id {InProject(project)}) ORDER BY ordinal;
            SELECT id, sequence, type, recipient, occurred_at, details::text AS details
            FROM events WHERE message_id = @id {InProject(project)} ORDER BY sequence;
            """, new { id, project }, snapshot, cancellationToken: cancellationToken));
        var message = await results.ReadSingleOrDefaultAsync<MessageRow>();
        if (message is null)
        {
            return null;
        }
        var recipients = (await results.ReadAsync<RecipientDetails>()).AsList();
        var events = (await results.ReadAsync<EventRow>()).Select(e => EventJson.From(e.Id, e.Sequence, e.Type, e.Recipient, e.OccurredAt, e.Details)).ToList();
        using var metadata = JsonDocument.Parse(message.Metadata);
        return new EmailDetails(message.Id, message.Status, message.CreatedAt, message.SendAt, message.FromHeader, message.Subject,
            message.MessageIdHeader, message.Tags, metadata.RootElement.Clone(), recipients, events);
    }

    public async Task<IReadOnlyList<AttemptDetails>?> GetAttemptsAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM messages WHERE id = @id {InProject(project)})", new { id, project }, cancellationToken: cancellationToken));
        if (!exists)
        {
            return null;
        }
        var rows = await connection.QueryAsync<AttemptDetails>(new CommandDefinition(
            """
            SELECT r.address AS recipient, a.attempt, a.started_at, a.remote_host, a.remote_ip, a.tls, a.reply_code,
                   a.enhanced_code, a.reply, a.duration_ms, a.outcome, a.ambiguous, a.tls_fallback
            FROM delivery_attempts a JOIN recipients r ON r.message_id = a.message_id AND r.ordinal = a.recipient_ordinal
            WHERE a.message_id = @id ORDER BY a.id
            """, new { id }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<Page<EmailSummary>> ListAsync(EmailFilter filter, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        var parameters = new DynamicParameters();
        void Where(string condition, string name, object value)
        {
            conditions.Add(condition);
            parameters.Add(name, value);
        }
        if (filter.Project is not null) Where("m.project_id = @project", "project", filter.Project.Value);
        if (filter.Status is not null) Where("s.status = @status", "status", filter.Status);
        if (filter.From is not null) Where("lower(m.envelope_from) = lower(@from)", "from", filter.From);
        if (filter.Tag is not null) Where("m.tags @> ARRAY[@tag]::text[]", "tag", filter.Tag);
        // An email's id is a UUIDv7 of its created_at: the time range is also an id range, which
        // the primary key serves; created_at stays the exact condition.
        if (filter.Since is not null)
        {
            Where("m.created_at >= @since", "since", filter.Since.Value);
            Where("m.id >= @sinceId", "sinceId", UuidV7.LowerBound(filter.Since.Value));
        }
        if (filter.Until is not null)
        {
            Where("m.created_at < @until", "until", filter.Until.Value);
            Where("m.id < @untilId", "untilId", UuidV7.UpperBoundBefore(filter.Until.Value));
        }
        if (filter.After is not null) Where("m.id < @after", "after", filter.After.Value);
        if (filter.Recipient is not null)
        {
            Where("EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND lower(r.address) = lower(@recipient))", "recipient", filter.Recipient);
        }
        parameters.Add("limit", filter.Limit + 1);
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EmailSummaryRow>(new CommandDefinition(
            $"""
            SELECT m.id, s.status, m.created_at, m.send_at, m.from_header AS "from", m.subject, m.tags,
                   (SELECT count(*)::int FROM recipients r WHERE r.message_id = m.id) AS recipient_count
            FROM messages m JOIN message_states s ON s.message_id = m.id {where}
            ORDER BY m.id DESC LIMIT @limit
            """, parameters, cancellationToken: cancellationToken)))
            .Select(r => new EmailSummary(r.Id, r.Status, r.CreatedAt, r.SendAt, r.From, r.Subject, r.Tags, r.RecipientCount)).ToList();
        var next = KeysetPage.TrimToPage(rows, filter.Limit, r => Cursor.Encode(r.Id));
        return new Page<EmailSummary>(rows, next);
    }

    private static string InProject(Guid? project) => project is null ? "" : "AND project_id = @project";

    // A class, not a positional record: Dapper only matches constructors whose parameter types
    // equal the column types, and Npgsql reports text[] as System.Array.
    private sealed class MessageRow
    {
        public Guid Id { get; init; }
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? SendAt { get; init; }
        public string FromHeader { get; init; } = "";
        public string Subject { get; init; } = "";
        public string MessageIdHeader { get; init; } = "";
        public string[] Tags { get; init; } = [];
        public string Metadata { get; init; } = "{}";
    }

    private sealed class EmailSummaryRow
    {
        public Guid Id { get; init; }
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? SendAt { get; init; }
        public string From { get; init; } = "";
        public string Subject { get; init; } = "";
        public string[] Tags { get; init; } = [];
        public int RecipientCount { get; init; }
    }

    private sealed record EventRow(Guid Id, int Sequence, string Type, string? Recipient, DateTime OccurredAt, string Details);
}

public sealed record EmailFilter(Guid? Project, string? Status, string? Recipient, string? From, string? Tag, DateTimeOffset? Since,
    DateTimeOffset? Until, int Limit, Guid? After);
