namespace EmailRelay.Data.Events;

/// <summary>
/// The SQL every reader of the feed shares (migration 0005 explains the scheme). Events are read
/// in (tx, id) order and only below the snapshot's xmin: every transaction there has ended, so a
/// writer that commits late can never put an event behind a position already passed.
/// </summary>
public static class EventFeedSql
{
    /// <summary>Events of <paramref name="alias"/> that no running transaction can precede any more.</summary>
    public static string Settled(string alias) => $"{alias}.tx < pg_snapshot_xmin(pg_current_snapshot())";

    /// <summary>
    /// A lower bound on the tx of every event with occurred_at at or after the time in
    /// <paramref name="sinceParameter"/>: the last event_clock sample taken before it.
    /// </summary>
    public static string TxLowerBoundSince(string sinceParameter) =>
        $"(SELECT c.tx FROM event_clock c WHERE c.at < {sinceParameter} ORDER BY c.at DESC LIMIT 1)";
}
