namespace EmailRelay.Data;

/// <summary>
/// The one place that derives a message's aggregate status from its recipients, so the API and the
/// sender can never disagree about it. Its outbox due time follows <see cref="Outbox.DueFromRecipients"/>.
/// </summary>
public static class MessageStatusSql
{
    /// <summary>
    /// A query over <paramref name="recipients"/> — any relation with the columns status,
    /// next_attempt_at and leased_until — giving one row: status, next_dispatch_at.
    /// </summary>
    public static string Aggregate(string recipients) => $"""
        SELECT {Status}
        FROM {recipients}
        """;

    /// <summary>
    /// The same per message, over a relation that also has message_id: one row per message,
    /// message_id, status, next_dispatch_at.
    /// </summary>
    public static string AggregateByMessage(string recipients) => $"""
        SELECT message_id, {Status}
        FROM {recipients}
        GROUP BY message_id
        """;

    private static readonly string Status = $"""
        CASE
                 WHEN bool_or(status = 'sending') THEN 'sending'
                 WHEN bool_or(status = 'deferred') THEN 'deferred'
                 WHEN bool_or(status = 'queued') THEN 'queued'
                 WHEN bool_or(status = 'scheduled') THEN 'scheduled'
                 WHEN bool_and(status = 'delivered') THEN 'delivered'
                 WHEN bool_or(status = 'delivered') THEN 'partially_delivered'
                 WHEN bool_and(status = 'suppressed') THEN 'suppressed'
                 WHEN bool_or(status = 'bounced') THEN 'bounced'
                 ELSE 'failed'
               END AS status,
               {Outbox.DueFromRecipients} AS next_dispatch_at
        """;

    /// <summary>Refreshes <c>status</c> and <c>next_dispatch_at</c> of message <c>$1</c> after its lease was released.</summary>
    public static readonly string Refresh = $"""
        UPDATE message_states m SET status = s.status, next_dispatch_at = s.next_dispatch_at, {Outbox.Taken}
        FROM ({Aggregate("recipients WHERE message_id = $1")}) s
        WHERE m.message_id = $1
        """;
}
