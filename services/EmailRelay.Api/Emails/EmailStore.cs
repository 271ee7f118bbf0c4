using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EmailRelay.Api.Emails;

/// <summary>
/// The accept transaction (DESIGN.md §3.1): message, content, recipients and their first events,
/// for every email of a request, in one transaction and one round trip.
/// </summary>
public sealed class EmailStore(NpgsqlDataSource dataSource)
{
    public async Task StoreAsync(IReadOnlyList<PreparedEmail> emails, Guid? apiKeyId, TimeSpan maxQueueLifetime,
        DateTimeOffset firstDispatchAt, IdempotencyCompletion? idempotency, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var email in emails)
        {
            AddMessage(batch, email, apiKeyId, maxQueueLifetime, firstDispatchAt);
        }
        if (idempotency is not null)
        {
            batch.BatchCommands.Add(Command(
                """
                UPDATE idempotency SET completed_at = $1, status_code = $2, location = $3, response_body = $4
                WHERE owner = $5 AND key = $6
                """,
                P(now), P(idempotency.StatusCode), P(idempotency.Location), P(idempotency.Body),
                P(idempotency.Owner), P(idempotency.Key)));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static void AddMessage(NpgsqlBatch batch, PreparedEmail prepared, Guid? apiKeyId, TimeSpan maxQueueLifetime, DateTimeOffset firstDispatchAt)
    {
        var email = prepared.Email;
        var request = email.Request;
        var status = prepared.InitialStatus;
        var dueAt = email.SendAt ?? prepared.CreatedAt;
        var recipients = email.Recipients;

        batch.BatchCommands.Add(Command(
            """
            INSERT INTO messages (id, api_key_id, envelope_from, from_header, subject, message_id_header, tags, metadata,
                                  send_at, created_at, expires_at, status, size_bytes, next_dispatch_at, event_seq, trace_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            """,
            P(prepared.Id), P(apiKeyId), P(email.From.GetAddress(idnEncode: true)), P(request.From!.Trim()), P(request.Subject!),
            P(prepared.Message.MessageIdHeader), P(request.Tags?.Select(t => t!).ToArray() ?? []),
            new NpgsqlParameter { Value = JsonSerializer.Serialize(request.Metadata ?? []), NpgsqlDbType = NpgsqlDbType.Jsonb },
            P(email.SendAt), P(prepared.CreatedAt), P(dueAt + maxQueueLifetime), P(status), P(prepared.Message.Mime.Length),
            P(email.SendAt ?? firstDispatchAt), P(recipients.Count), P(System.Diagnostics.Activity.Current?.TraceId.ToString())));

        batch.BatchCommands.Add(Command("INSERT INTO message_contents (message_id, mime) VALUES ($1, $2)",
            P(prepared.Id), P(prepared.Message.Mime)));

        var ordinals = Enumerable.Range(0, recipients.Count).Select(i => (short)i).ToArray();
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO recipients (message_id, ordinal, address, domain, kind, status, next_attempt_at)
            SELECT $1, r.ordinal, r.address, r.domain, r.kind, $5, $6
            FROM unnest($2::smallint[], $3::text[], $4::text[], $7::text[]) AS r(ordinal, address, domain, kind)
            """,
            P(prepared.Id), P(ordinals), P(recipients.Select(r => r.Address).ToArray()),
            P(recipients.Select(r => r.Domain).ToArray()), P(status), P(dueAt), P(recipients.Select(r => r.Kind).ToArray())));

        var details = email.SendAt is { } sendAt ? JsonSerializer.Serialize(new { send_at = sendAt }) : "{}";
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO events (id, message_id, sequence, recipient, type, occurred_at, details)
            SELECT e.id, $1, e.sequence, e.recipient, $4, $5, $6::jsonb
            FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS e(id, recipient, sequence)
            """,
            P(prepared.Id), P(recipients.Select(_ => Guid.CreateVersion7(prepared.CreatedAt)).ToArray()),
            P(recipients.Select(r => r.Address).ToArray()), P(status), P(prepared.CreatedAt), P(details)));
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter P<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };
}
