using System.Text.Json;
using EmailRelay.Data;
using EmailRelay.Data.Events;
using Npgsql;
using NpgsqlTypes;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Tracking.Bounces;

/// <summary>What a report did to one recipient.</summary>
public enum RecordOutcome
{
    /// <summary>The recipient became bounced, with its event.</summary>
    Bounced,

    /// <summary>An event was added (complained, auto_replied); the recipient's status stands.</summary>
    EventAdded,

    /// <summary>The recipient was already bounced, failed or suppressed: nothing changed (a repeated report).</summary>
    AlreadyFinal,

    /// <summary>No such email or recipient any more (retention, or never ours).</summary>
    Gone,

    /// <summary>A delay or success notice: the recipient's state stands and nothing is recorded.</summary>
    Ignored,
}

/// <summary>
/// Writes what an asynchronous report means, each in one statement like every status change: the
/// recipient's new state, the email's status and its timeline event commit together. Webhooks and
/// suppressions follow from the event, through the feed.
/// </summary>
public sealed class BounceRecorder(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// A recipient that was delivered (or still pending) becomes bounced. Its pending retries and
    /// any lease end: a sender still holding it records its attempt, but its conditional update of
    /// the recipient no longer matches.
    /// </summary>
    public Task<RecordOutcome> BouncedAsync(BounceTarget target, BounceDetails details, CancellationToken cancellationToken) =>
        RunAsync(BouncedSql, RecordOutcome.Bounced, cancellationToken,
            P(target.MessageId), P(target.Ordinal), Details(details), P(Guid.CreateVersion7()), P(EventTypes.Bounced),
            P(details.Reason), P(details.ReplyCode), P(details.EnhancedCode), P(details.Reply));

    /// <summary>A complaint or an auto-reply: an event on the recipient's timeline, its status unchanged.</summary>
    public Task<RecordOutcome> EventAsync(BounceTarget target, string type, BounceDetails details, CancellationToken cancellationToken) =>
        RunAsync(EventSql, RecordOutcome.EventAdded, cancellationToken,
            P(target.MessageId), P(target.Ordinal), Details(details), P(Guid.CreateVersion7()), P(type));

    private async Task<RecordOutcome> RunAsync(string sql, RecordOutcome done, CancellationToken cancellationToken,
        params NpgsqlParameter[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var exists = reader.GetBoolean(0);
        var recorded = reader.GetBoolean(1);
        return !exists ? RecordOutcome.Gone : recorded ? done : RecordOutcome.AlreadyFinal;
    }

    private static NpgsqlParameter Details(BounceDetails details) => new() { Value = details.ToJson(), NpgsqlDbType = NpgsqlDbType.Jsonb };

    // Both statements: $1 message, $2 ordinal, $3 event details, $4 event id, $5 event type.
    // Bounced also: $6 reason, $7 reply code, $8 enhanced code, $9 reply.
    private static readonly string BouncedSql = $"""
        WITH updated AS (
            UPDATE recipients r
            SET status = 'bounced', bounce_reason = $6, last_reply_code = coalesce($7, r.last_reply_code),
                last_enhanced_code = $8, last_reply = coalesce($9, r.last_reply),
                next_attempt_at = NULL, leased_until = NULL, lease_token = NULL
            WHERE r.message_id = $1 AND r.ordinal = $2 AND r.status NOT IN ('bounced', 'failed', 'suppressed')
            RETURNING r.ordinal, r.address, r.status, r.next_attempt_at
        ), states AS (
            SELECT status, next_attempt_at, NULL::timestamptz AS leased_until FROM updated
            UNION ALL
            SELECT status, next_attempt_at, leased_until FROM recipients
            WHERE message_id = $1 AND ordinal <> ALL (SELECT ordinal FROM updated)
        ), message AS (
            UPDATE message_states m SET event_seq = m.event_seq + 1, status = s.status, next_dispatch_at = s.next_dispatch_at
            FROM ({MessageStatusSql.Aggregate("states")}) s, messages p
            WHERE m.message_id = $1 AND p.id = $1 AND EXISTS (SELECT 1 FROM updated)
            RETURNING m.event_seq, p.project_id
        ), event AS (
            INSERT INTO events (id, message_id, project_id, sequence, recipient, type, details)
            SELECT $4, $1, message.project_id, message.event_seq, updated.address, $5, $3
            FROM updated CROSS JOIN message
            RETURNING 1
        )
        SELECT EXISTS (SELECT 1 FROM recipients WHERE message_id = $1 AND ordinal = $2), EXISTS (SELECT 1 FROM event)
        """;

    private const string EventSql = """
        WITH target AS (
            SELECT address FROM recipients WHERE message_id = $1 AND ordinal = $2
        ), message AS (
            UPDATE message_states m SET event_seq = m.event_seq + 1
            FROM messages p
            WHERE m.message_id = $1 AND p.id = $1 AND EXISTS (SELECT 1 FROM target)
            RETURNING m.event_seq, p.project_id
        ), event AS (
            INSERT INTO events (id, message_id, project_id, sequence, recipient, type, details)
            SELECT $4, $1, message.project_id, message.event_seq, target.address, $5, $3
            FROM target CROSS JOIN message
            RETURNING 1
        )
        SELECT EXISTS (SELECT 1 FROM target), EXISTS (SELECT 1 FROM event)
        """;

    /// <summary>Keeps a report nothing matched, for operators (<c>GET /v1/unmatched-bounces</c>).</summary>
    public async Task UnmatchedAsync(BounceEnvelope envelope, Guid? projectId, string? subject, string format, string reason,
        string reportJson, ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO unmatched_bounces (id, project_id, remote_ip, envelope_from, envelope_to, subject, format, reason, report, raw)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            P(Guid.CreateVersion7()), P(projectId), P(envelope.RemoteIp), P(envelope.MailFrom), P(string.Join(", ", envelope.RcptTo)),
            P(subject), P(format), P(reason), new() { Value = reportJson, NpgsqlDbType = NpgsqlDbType.Jsonb }, P(raw.ToArray()),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>What an event of an asynchronous report carries (the API shows it flattened into the event).</summary>
public sealed record BounceDetails(string Source, string Format, string? Reason, bool? Hard, int? ReplyCode, string? EnhancedCode, string? Reply,
    string? RemoteMta, string? FeedbackType)
{
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["source"] = Source,
        ["format"] = Format,
        ["bounce_reason"] = Reason,
        ["hard"] = Hard,
        ["reply_code"] = ReplyCode,
        ["enhanced_code"] = EnhancedCode,
        ["reply"] = Reply,
        ["remote_host"] = RemoteMta,
        ["feedback_type"] = FeedbackType,
    }.Where(p => p.Value is not null).ToDictionary());
}
