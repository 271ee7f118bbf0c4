using System.Text.Json;
using EmailRelay.Api.Idempotency;
using EmailRelay.Data;
using EmailRelay.Data.Events;
using Npgsql;
using NpgsqlTypes;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Api.Emails;

/// <summary>
/// The accept transaction (DESIGN.md §3.1): messages, their states, contents, recipients and their first events
/// for every email of one or more requests in ONE statement — data-modifying CTEs over arrays,
/// atomic without BEGIN/COMMIT round trips, so a batch of 100 costs what one email costs in
/// statements, and so do concurrent requests stored together (<see cref="AcceptGroupCommit"/>).
/// The same statement checks every recipient of every email against its project's suppressions
/// with one lookup: a suppressed recipient is stored final (status and event <c>suppressed</c>)
/// and never leased, and an email whose recipients are all suppressed is final too, owing no
/// command. Under an Idempotency-Key the statement runs in the key's claim transaction, which the
/// caller commits with the stored response.
/// </summary>
public sealed class EmailStore(NpgsqlDataSource dataSource)
{
    /// <returns>The recipients found suppressed, over all the requests.</returns>
    public async Task<SuppressedRecipients> StoreAsync(IReadOnlyList<StoreRequest> requests, TimeSpan maxQueueLifetime,
        IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        var emails = requests.SelectMany(r => r.Emails.Select(e => (Request: r, Email: e))).ToList();
        if (emails.Count == 0)
        {
            return SuppressedRecipients.None;
        }
        var parts = new List<(string Name, string Sql)>();
        var parameters = new List<NpgsqlParameter>();
        AddMessages(parts, parameters, emails, maxQueueLifetime, requests.Max(r => r.Now));
        // Every part becomes a named CTE; PostgreSQL runs them all, atomically, in one statement,
        // whose result is the suppressed recipients.
        var sql = "WITH " + string.Join(",\n", parts.Select(p => $"{p.Name} AS ({p.Sql})")) + "\n" +
                  "SELECT message_id, ordinal FROM recipient_rows WHERE suppressed_by IS NOT NULL";
        await using var command = claim?.Transaction is { } transaction
            ? new NpgsqlCommand(sql, transaction.Connection, transaction)
            : dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters.ToArray());
        var suppressed = new HashSet<(Guid, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            suppressed.Add((reader.GetGuid(0), reader.GetInt16(1)));
        }
        return suppressed.Count == 0 ? SuppressedRecipients.None : new SuppressedRecipients(suppressed);
    }

    private static void AddMessages(List<(string Name, string Sql)> parts, List<NpgsqlParameter> parameters,
        List<(StoreRequest Request, PreparedEmail Email)> all, TimeSpan maxQueueLifetime, DateTimeOffset now)
    {
        var emails = all.Select(e => e.Email).ToList();
        var dispatch = all.Select(e => Outbox.AtAccept(e.Email.Email.SendAt, e.Request.Publishing, e.Request.Now)).ToArray();
        var ids = emails.Select(e => e.Id).ToArray();
        var dueAt = emails.Select(e => e.Email.SendAt ?? e.CreatedAt).ToArray();

        // One row per recipient of every email, with the event that opens its timeline.
        var rows = all.SelectMany((e, i) => e.Email.Email.Recipients.Select((r, ordinal) =>
                (e.Email, e.Request.ProjectId, DueAt: dueAt[i], Recipient: r, Ordinal: ordinal)))
            .ToList();
        parts.Add(("recipient_input", Sql(parameters,
            """
            SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::uuid[],
                                 $9::jsonb[], $10::uuid[])
                     AS r(message_id, ordinal, address, domain, kind, status, next_attempt_at, event_id, details, project_id)
            """,
            P(rows.Select(r => r.Email.Id).ToArray()), P(rows.Select(r => (short)r.Ordinal).ToArray()),
            P(rows.Select(r => r.Recipient.Address).ToArray()), P(rows.Select(r => r.Recipient.Domain).ToArray()),
            P(rows.Select(r => r.Recipient.Kind).ToArray()), P(rows.Select(r => r.Email.InitialStatus).ToArray()),
            P(rows.Select(r => r.DueAt).ToArray()), P(rows.Select(r => Guid.CreateVersion7(r.Email.CreatedAt)).ToArray()),
            Jsonb(rows.Select(r => r.Email.Email.SendAt is { } sendAt ? JsonSerializer.Serialize(new { send_at = sendAt }) : "{}")),
            P(rows.Select(r => r.ProjectId).ToArray()))));
        // One index lookup per distinct (project, address), on the primary key; stored addresses
        // are lower-cased by the same lower() (see migration 0006).
        parts.Add(("suppressed", Sql(parameters,
            """
            SELECT project_id, address, reason FROM suppressions
            WHERE (project_id, address) IN (SELECT project_id, lower(address) FROM recipient_input) AND (expires_at IS NULL OR expires_at > $1)
            """,
            P(now))));
        parts.Add(("recipient_rows",
            "SELECT r.*, s.reason AS suppressed_by FROM recipient_input r LEFT JOIN suppressed s ON s.project_id = r.project_id AND s.address = lower(r.address)"));
        parts.Add(("settled",
            "SELECT message_id FROM recipient_rows GROUP BY message_id HAVING bool_and(suppressed_by IS NOT NULL)"));

        parts.Add(("message_input", Sql(parameters,
            """
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::timestamptz[],
                        $10::timestamptz[], $11::timestamptz[], $12::text[], $13::int[], $14::timestamptz[], $15::text[], $16::int[],
                        $17::uuid[], $18::timestamptz[])
                 AS m(id, api_key_id, envelope_from, from_header, subject, message_id_header, tags, metadata, send_at, created_at, expires_at,
                      status, size_bytes, next_dispatch_at, trace_id, event_seq, project_id, dispatched_at)
            """,
            P(ids), P(all.Select(e => e.Request.ApiKeyId).ToArray()),
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
            P(all.Select(e => e.Request.TraceId).ToArray()),
            P(emails.Select(e => e.Email.Recipients.Count).ToArray()), P(all.Select(e => e.Request.ProjectId).ToArray()),
            P(dispatch.Select(d => d.DispatchedAt).ToArray()))));
        parts.Add(("new_messages",
            """
            INSERT INTO messages (id, api_key_id, envelope_from, from_header, subject, message_id_header, tags, metadata,
                                  send_at, created_at, expires_at, size_bytes, trace_id, project_id)
            SELECT id, api_key_id, envelope_from, from_header, subject, message_id_header,
                   ARRAY(SELECT jsonb_array_elements_text(tags)), metadata, send_at, created_at, expires_at, size_bytes, trace_id, project_id
            FROM message_input
            """));
        // A message whose every recipient is suppressed is final at once: status suppressed, nothing due, nothing dispatched.
        parts.Add(("new_states",
            $"""
            INSERT INTO message_states (message_id, status, next_dispatch_at, dispatched_at, event_seq)
            SELECT m.id,
                   CASE WHEN settled.message_id IS NULL THEN m.status ELSE '{RecipientStatus.Suppressed}' END,
                   CASE WHEN settled.message_id IS NULL THEN m.next_dispatch_at END,
                   CASE WHEN settled.message_id IS NULL THEN m.dispatched_at END, m.event_seq
            FROM message_input m LEFT JOIN settled ON settled.message_id = m.id
            """));

        parts.Add(("new_contents", Sql(parameters,
            "INSERT INTO message_contents (message_id, mime) SELECT * FROM unnest($1::uuid[], $2::bytea[])",
            P(ids), P(emails.Select(e => e.Message.Mime).ToArray()))));

        // A suppressed recipient is final: no next attempt, so no sender ever leases it.
        parts.Add(("new_recipients",
            $"""
            INSERT INTO recipients (message_id, ordinal, address, domain, kind, status, next_attempt_at)
            SELECT message_id, ordinal, address, domain, kind,
                   CASE WHEN suppressed_by IS NULL THEN status ELSE '{RecipientStatus.Suppressed}' END,
                   CASE WHEN suppressed_by IS NULL THEN next_attempt_at END
            FROM recipient_rows
            """));

        parts.Add(("new_events",
            $"""
            INSERT INTO events (id, message_id, sequence, recipient, type, details, project_id)
            SELECT event_id, message_id, ordinal + 1, address,
                   CASE WHEN suppressed_by IS NULL THEN status ELSE '{EventTypes.Suppressed}' END,
                   CASE WHEN suppressed_by IS NULL THEN details ELSE jsonb_build_object('reason', suppressed_by) END, project_id
            FROM recipient_rows
            """));
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

    private static NpgsqlParameter Jsonb(IEnumerable<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
