using System.Collections.Frozen;

namespace EmailRelay.Sender.Limits;

/// <summary>
/// Every backoff that was in force when the database was read, with the database's clock then:
/// whether one has ended since is judged by that clock plus the time elapsed here, so a replica
/// whose clock is off does not end a backoff early or keep it late.
/// </summary>
internal sealed class BackoffSnapshot(FrozenDictionary<string, DestinationBackoff> active, DateTimeOffset databaseNow, long readAt)
{
    /// <summary>When it was read, as a <see cref="TimeProvider.GetTimestamp"/>.</summary>
    public long ReadAt => readAt;

    public DestinationBackoff? Find(string destination, TimeProvider time) =>
        active.TryGetValue(destination, out var backoff) && backoff.Until > Now(time) ? backoff : null;

    public int CountActive(TimeProvider time)
    {
        var now = Now(time);
        return active.Values.Count(b => b.Until > now);
    }

    public BackoffSnapshot With(DestinationBackoff backoff)
    {
        var copy = active.ToDictionary(StringComparer.Ordinal);
        copy[backoff.Destination] = backoff;
        return new BackoffSnapshot(copy.ToFrozenDictionary(StringComparer.Ordinal), databaseNow, readAt);
    }

    private DateTimeOffset Now(TimeProvider time) => databaseNow + time.GetElapsedTime(readAt);
}
