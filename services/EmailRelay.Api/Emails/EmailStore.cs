using System.Text.Json;
using EmailRelay.Api.Idempotency;
using EmailRelay.Data;
using Npgsql;
using NpgsqlTypes;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Api.Emails;

/// <summary>
/// The accept transaction (DESIGN.md §3.1): messages, contents, recipients and their first events
/// for every email of a request — and the idempotency record — in ONE statement: data-modifying
/// CTEs over arrays, atomic without BEGIN/COMMIT round trips, so a batch of 100 costs what one
/// email costs in statements. Under an Idempotency-Key the statement runs in the key's claim
/// transaction and commits it.
/// </summary>
public sealed class EmailStore(NpgsqlDataSource dataSource)
{
    public async Task StoreAsync(IReadOnlyList<PreparedEmail> emails, Guid projectId, Guid? apiKeyId, TimeSpan maxQueueLifetime,
        bool publishing, IdempotencyCompletion? idempotency, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        if (emails.Count > 0)
        {
            AddMessages(parts, parameters, emails, projectId, apiKeyId, maxQueueLifetime, publishing, now);
        }
        if (idempotency is not null)
        {
            var claim = idempotency.Claim;
            parts.Add(Sql(parameters, IdempotencyStore.CompleteSql, P(claim.Owner), P(claim.Key), P(claim.RequestHash), P(now),
                P(idempotency.StatusCode), P(idempotency.Location), P(idempotency.Body)));
        }
        if (parts.Count == 0)
        {
            return;
        }
        // Every part but the last becomes a CTE; PostgreSQL runs them all, atomically, in one statement.
        var sql = parts.Count == 1
            ? parts[0]
            : "WITH " + string.Join(",\n", parts.SkipLast(1).Select((part, i) => $"s{i} AS ({part})")) + "\n" + parts[^1];
        if (idempotency?.Claim.Transaction is { } transaction)
        {
            // Under the key's claim: the messages, the stored response and the release of the
            // claim's lock commit together.
            await using var claimed = new NpgsqlCommand(sql, transaction.Connection, transaction);
            claimed.Parameters.AddRange(parameters.ToArray());
            await claimed.ExecuteNonQueryAsync(cancellationToken);
            await idempotency.Claim.CommitAsync(cancellationToken);
            return;
        }
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddMessages(List<string> parts, List<NpgsqlParameter> parameters, IReadOnlyList<PreparedEmail> emails,
        Guid projectId, Guid? apiKeyId, TimeSpan maxQueueLifetime, bool publishing, DateTimeOffset now)
    {
        var dispatch = emails.Select(e => Outbox.AtAccept(e.Email.SendAt, publishing, now)).ToArray();
        var ids = emails.Select(e => e.Id).ToArray();
        var dueAt = emails.Select(e => e.Email.SendAt ?? e.CreatedAt).ToArray();
        parts.Add(Sql(parameters,
            """
            INSERT INTO messages (id, api_key_id, envelope_from, from_header, subject, message_id_header, tags, metadata,
                                  send_at, created_at, expires_at, status, size_bytes, next_dispatch_at, event_seq, trace_id, project_id,
                                  dispatched_at)
            SELECT m.id, $2, m.envelope_from, m.from_header, m.subject, m.message_id_header,
                   ARRAY(SELECT jsonb_array_elements_text(m.tags)), m.metadata, m.send_at, m.created_at, m.expires_at,
                   m.status, m.size_bytes, m.next_dispatch_at, m.event_seq, $15, $17, m.dispatched_at
            FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::timestamptz[],
                        $10::timestamptz[], $11::timestamptz[], $12::text[], $13::int[], $14::timestamptz[], $16::int[], $18::timestamptz[])
                 AS m(id, envelope_from, from_header, subject, message_id_header, tags, metadata, send_at, created_at, expires_at,
                      status, size_bytes, next_dispatch_at, event_seq, dispatched_at)
            """,
            P(ids), P(apiKeyId),
            P(emails.Select(e => e.Email.From.GetAddress(idnEncode: true)).ToArray()),
            P(emails.Select(e => e.Email.Request.From!.Trim()).ToArray()),
            P(emails.Select(e => e.Email.Request.Subject!).ToArray()),
            P(emails.Select(e => e.Message.MessageIdHeader).ToArray()),
            Jsonb(emails.Select(e => JsonSerializer.Serialize(e.Email.Request.Tags ?? []))),
            Jsonb(emails.Select(e => JsonSerializer.Serialize(e.Email.Request.Metadata ?? []))),
            P(emails.Select(e => e.Email.SendAt).ToArray()),
            P(emails.Select(e => e.CreatedAt).ToArray()),
            P(dueAt.Select(d => d + maxQueueLifetime).ToArray()),
            P(emails.Select(e => e.InitialStatus).ToArray()),
            P(emails.Select(e => e.Message.Mime.Length).ToArray()),
            P(dispatch.Select(d => d.NextDispatchAt).ToArray()),
            P(System.Diagnostics.Activity.Current?.TraceId.ToString()),
            P(emails.Select(e => e.Email.Recipients.Count).ToArray()), P(projectId), P(dispatch.Select(d => d.DispatchedAt).ToArray())));

        parts.Add(Sql(parameters,
            "INSERT INTO message_contents (message_id, mime) SELECT * FROM unnest($1::uuid[], $2::bytea[])",
            P(ids), P(emails.Select(e => e.Message.Mime).ToArray())));

        // One row per recipient of every email; its first event has the same shape, so both
        // statements share the flattened arrays.
        var rows = emails.SelectMany((e, i) => e.Email.Recipients.Select((r, ordinal) => (Email: e, DueAt: dueAt[i], Recipient: r, Ordinal: ordinal)))
            .ToList();
        var messageIds = P(rows.Select(r => r.Email.Id).ToArray());
        var addresses = P(rows.Select(r => r.Recipient.Address).ToArray());
        var statuses = P(rows.Select(r => r.Email.InitialStatus).ToArray());
        parts.Add(Sql(parameters,
            """
            INSERT INTO recipients (message_id, ordinal, address, domain, kind, status, next_attempt_at)
            SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
            """,
            messageIds, P(rows.Select(r => (short)r.Ordinal).ToArray()), addresses,
            P(rows.Select(r => r.Recipient.Domain).ToArray()), P(rows.Select(r => r.Recipient.Kind).ToArray()), statuses,
            P(rows.Select(r => r.DueAt).ToArray())));

        parts.Add(Sql(parameters,
            """
            INSERT INTO events (id, message_id, sequence, recipient, type, details, project_id)
            SELECT e.*, $7 FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::jsonb[]) AS e
            """,
            P(rows.Select(r => Guid.CreateVersion7(r.Email.CreatedAt)).ToArray()), Clone(messageIds),
            P(rows.Select(r => r.Ordinal + 1).ToArray()), Clone(addresses), Clone(statuses),
            Jsonb(rows.Select(r => r.Email.Email.SendAt is { } sendAt ? JsonSerializer.Serialize(new { send_at = sendAt }) : "{}")),
            P(projectId)));
    }

    /// <summary>
    /// Adds <paramref name="values"/> to the statement's parameters and renumbers the part's $1..$n
    /// to their positions, so each part is written as if it stood alone.
    /// </summary>
    private static string Sql(List<NpgsqlParameter> all, string sql, params NpgsqlParameter[] values)
    {
        var offset = all.Count;
        all.AddRange(values);
        return offset == 0 ? sql : Renumbered.GetOrAdd((sql, offset), static key => System.Text.RegularExpressions.Regex.Replace(key.Sql, @"\$(\d+)",
            m => "$" + (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + key.Offset).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    // A handful of (part, offset) pairs exist; renumber each once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Sql, int Offset), string> Renumbered = new();

    private static NpgsqlParameter Clone(NpgsqlParameter parameter) => parameter.Clone();

    private static NpgsqlParameter Jsonb(IEnumerable<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
