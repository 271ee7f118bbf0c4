using EmailRelay.Data;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Leases taken by group commit (<see cref="GroupCommit{TItem, TResult}"/>): the commands the
/// sender's concurrent consumers take while a lease statement runs are leased together by the next
/// one, in one commit, instead of one statement per message.
/// </summary>
public sealed class LeaseGroupCommit
{
    /// <summary>Statements in flight at once per sender process: while they run, the next group queues.</summary>
    internal const int MaxInFlight = 2;

    /// <summary>Messages per statement at most.</summary>
    internal const int MaxMessagesPerStatement = 200;

    private readonly GroupCommit<LeaseRequest, Dictionary<Guid, LeasedDelivery>> _commit;

    public LeaseGroupCommit(DeliveryStore store) =>
        _commit = new(requests => store.LeaseAsync(requests, CancellationToken.None), _ => 1, MaxInFlight, MaxMessagesPerStatement);

    /// <summary>
    /// Leases the message's due recipients; null when there is nothing to do (a duplicate or early
    /// command). Not cancelled with the consume: once the statement is on its way the lease may be
    /// taken, and an abandoned lease would hold the recipients until it lapses.
    /// </summary>
    public async Task<LeasedDelivery?> LeaseAsync(Guid messageId, DateTimeOffset now, TimeSpan leaseDuration)
    {
        var request = new LeaseRequest(messageId, Guid.NewGuid(), now + leaseDuration, now);
        return (await _commit.WriteAsync(request)).GetValueOrDefault(request.Token);
    }
}
