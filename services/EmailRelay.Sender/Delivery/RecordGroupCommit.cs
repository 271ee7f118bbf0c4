using EmailRelay.Data;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Outcomes recorded by group commit (<see cref="GroupCommit{TItem, TResult}"/>): the attempts that
/// the sender's concurrent consumers finish while a record statement runs are written together by
/// the next one, in one commit, instead of one statement per message.
/// </summary>
public sealed class RecordGroupCommit
{
    /// <summary>Statements in flight at once per sender process: while they run, the next group queues.</summary>
    internal const int MaxInFlight = 2;

    /// <summary>Recipient updates per statement at most; a message's attempt is never split.</summary>
    internal const int MaxUpdatesPerStatement = 500;

    private readonly GroupCommit<AttemptRecord, bool> _commit;

    public RecordGroupCommit(DeliveryStore store) =>
        _commit = new(async records =>
        {
            await store.RecordAsync(records, CancellationToken.None);
            return true;
        }, record => Math.Max(record.Updates.Count, 1), MaxInFlight, MaxUpdatesPerStatement);

    /// <summary>Records the attempt; completes after the commit that holds it.</summary>
    public Task RecordAsync(AttemptRecord record) => _commit.WriteAsync(record);
}
