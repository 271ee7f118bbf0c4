using Microsoft.Extensions.Options;
using Npgsql;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Data;

/// <summary>
/// Every rule about <c>message_states.next_dispatch_at</c> and <c>message_states.dispatched_at</c>, the
/// transactional outbox of DeliverMessage commands (DESIGN.md §3.2). A message owes at most one
/// command at a time:
/// <list type="bullet">
/// <item>accepted: due at <c>send_at</c>; or handed to the broker now (<c>dispatched_at</c> = accept time) when the API publishes; or due now when it cannot;</item>
/// <item>claimed by a dispatcher: handed to the broker, due again after <see cref="OutboxOptions.ClaimTimeout"/> in case the dispatcher dies before publishing;</item>
/// <item>publish confirmed: not due (<c>next_dispatch_at</c> null) — the command is in the quorum queue until a consumer takes it;</item>
/// <item>publish failed or refused (queue full): due after <see cref="OutboxOptions.PublishRetryDelay"/>;</item>
/// <item>taken by a consumer: <c>dispatched_at</c> cleared; leased: due at the end of the lease, pushed by every renewal;</item>
/// <item>attempt recorded, or lease released: due at the earliest pending recipient's next attempt, null once all are final;</item>
/// <item>command drained from the error queue: due after <see cref="OutboxOptions.ErrorQueueRequeueDelay"/>;</item>
/// <item>command lost (handed over before the queue was seen idle for a window, never taken): claimed again by the safety net.</item>
/// </list>
/// </summary>
public sealed class Outbox(NpgsqlDataSource dataSource, IOptions<OutboxOptions> options)
{
    public OutboxOptions Options => options.Value;

    /// <summary>The outbox columns of a message being accepted.</summary>
    public static DispatchState AtAccept(DateTimeOffset? sendAt, bool publishing, DateTimeOffset now) =>
        sendAt is { } at ? new DispatchState(at, null)
        : publishing ? new DispatchState(null, now)
        : new DispatchState(now, null);

    /// <summary>
    /// SET list for a message whose recipients were just leased until <paramref name="leasedUntil"/>
    /// (an SQL expression): if the sender dies, the message is due when the lease ends.
    /// </summary>
    public static string Leased(string leasedUntil) => $"next_dispatch_at = {leasedUntil}, dispatched_at = NULL";

    /// <summary>SET list for a message whose command a consumer took, whatever it found to do: the command is no longer with the broker.</summary>
    public const string Taken = "dispatched_at = NULL";

    /// <summary>SET list for a message whose lease was renewed until <paramref name="leasedUntil"/>.</summary>
    public static string Renewed(string leasedUntil) => $"next_dispatch_at = {leasedUntil}";

    /// <summary>
    /// The aggregate over a message's recipients (columns status, next_attempt_at, leased_until)
    /// giving its due time after an attempt is recorded or a lease released: the earliest pending
    /// recipient's next attempt, the end of a live lease, or null once every recipient is final.
    /// </summary>
    public const string DueFromRecipients = """
        min(CASE WHEN status IN ('scheduled', 'queued', 'deferred') THEN next_attempt_at
                 WHEN status = 'sending' THEN leased_until END)
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due messages for publishing: they count as handed to
    /// the broker at <paramref name="now"/> and come due again only if the claim is never settled.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ClaimDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE message_states SET next_dispatch_at = $2, dispatched_at = $1
            WHERE message_id IN (SELECT message_id FROM message_states WHERE next_dispatch_at <= $1
                                 ORDER BY next_dispatch_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING message_id
            """);
        command.Parameters.Add(P(now));
        command.Parameters.Add(P(now + Options.ClaimTimeout));
        command.Parameters.Add(P(limit));
        return await ReadIdsAsync(command, cancellationToken);
    }

    /// <summary>
    /// The safety net: claims messages whose command was handed to the broker before
    /// <paramref name="handedBefore"/> — a moment since which the queue has had no ready message for
    /// a whole <see cref="OutboxOptions.LostCommandWindow"/> — and that no consumer has taken: the
    /// command was lost (purged queue, broker data loss, a publisher killed before its publish).
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ClaimLostAsync(DateTimeOffset handedBefore, DateTimeOffset now, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE message_states SET next_dispatch_at = $3, dispatched_at = $2
            WHERE message_id IN (SELECT message_id FROM message_states WHERE next_dispatch_at IS NULL AND dispatched_at < $1
                                   AND status IN ('scheduled', 'queued', 'sending', 'deferred')
                                 ORDER BY dispatched_at LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING message_id
            """);
        command.Parameters.Add(P(handedBefore));
        command.Parameters.Add(P(now));
        command.Parameters.Add(P(now + Options.ClaimTimeout));
        command.Parameters.Add(P(limit));
        return await ReadIdsAsync(command, cancellationToken);
    }

    /// <summary>
    /// The broker confirmed the commands claimed at <paramref name="claimedAt"/>: nothing is owed
    /// until a consumer takes them. A message a consumer already took is left as the consumer set it.
    /// </summary>
    public async Task MarkPublishedAsync(IReadOnlyList<Guid> ids, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE message_states SET next_dispatch_at = NULL WHERE message_id = ANY($1) AND dispatched_at = $2");
        command.Parameters.Add(P(ids.ToArray()));
        command.Parameters.Add(P(claimedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The publishes of commands handed over at <paramref name="dispatchedAt"/> failed or were
    /// refused: due again after the back-off. A message a consumer took meanwhile (the publish did
    /// arrive after all) is left alone.
    /// </summary>
    public async Task MarkPublishFailedAsync(IReadOnlyList<Guid> ids, DateTimeOffset dispatchedAt, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE message_states SET next_dispatch_at = $3, dispatched_at = NULL WHERE message_id = ANY($1) AND dispatched_at = $2");
        command.Parameters.Add(P(ids.ToArray()));
        command.Parameters.Add(P(dispatchedAt));
        command.Parameters.Add(P(now + Options.PublishRetryDelay));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A command for the message was found in the error queue: unless the message is final or
    /// already due by another rule, it is due after <see cref="OutboxOptions.ErrorQueueRequeueDelay"/>.
    /// </summary>
    /// <returns>Whether the message still had work owed (false: final, or unknown).</returns>
    public async Task<bool> RequeueFromErrorQueueAsync(Guid messageId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE message_states SET next_dispatch_at = least(next_dispatch_at, $2), dispatched_at = NULL
            WHERE message_id = $1 AND status IN ('scheduled', 'queued', 'sending', 'deferred')
            """);
        command.Parameters.Add(P(messageId));
        command.Parameters.Add(P(now + Options.ErrorQueueRequeueDelay));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static async Task<IReadOnlyList<Guid>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }
}
