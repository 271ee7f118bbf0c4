using EmailRelay.Contracts;
using EmailRelay.Data;
using EmailRelay.Sender.Delivery;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Dispatch;

/// <summary>
/// The outbox, the retry timer, the scheduled-send timer and the crash recovery in one loop
/// (DESIGN.md §3.2), on the rules of <see cref="Outbox"/>: claim due messages, publish, then
/// settle each claim — confirmed (nothing owed until a consumer takes the command) or failed (due
/// again after a back-off). It never claims more than the queue has room for, and republishes a
/// command already handed over only when the queue has been idle long enough to prove it lost.
/// Every replica runs it; SKIP LOCKED keeps them apart.
/// </summary>
public sealed partial class Dispatcher(
    Outbox outbox,
    IBusControl bus,
    DeliverQueueProbe probe,
    DispatchMetrics metrics,
    TimeProvider time,
    IOptions<DispatcherOptions> options,
    IOptions<SenderOptions> sender,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private readonly IdleQueueWatch _idle = new(outbox.Options.LostCommandWindow);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var pass = new PassResult(0, false);
            try
            {
                // While the broker is unreachable a claim would only fail its publishes.
                if (bus.CheckHealth().Status == BusHealthStatus.Healthy)
                {
                    pass = await DispatchOnceAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // Database or broker trouble: a claim that was not settled comes due again after
                // Outbox:ClaimTimeout, so the loop only has to survive and try again.
                LogDispatchFailed(logger, ex.GetType().Name, ex.Message);
            }
            if (pass.Claimed < options.Value.BatchSize || pass.Refused)
            {
                try
                {
                    // A refused publish means the queue is full: give it the back-off, not a poll.
                    await Task.Delay(pass.Refused ? outbox.Options.PublishRetryDelay : options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One pass: due messages, as many as the queue has room for, then lost commands.</summary>
    public async Task<PassResult> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var ready = await probe.ReadyCountAsync(cancellationToken);
        var now = time.GetUtcNow();
        _idle.Observe(ready, now);
        // Unknown depth: claim a batch anyway; the broker refuses what does not fit.
        var room = ready is { } r ? (int)Math.Clamp(sender.Value.QueueMaxLength - r, 0, options.Value.BatchSize) : options.Value.BatchSize;
        var claimed = 0;
        var refused = false;
        if (room > 0)
        {
            var due = await outbox.ClaimDueAsync(now, room, cancellationToken);
            refused = await PublishAsync(due, now, "due", cancellationToken) < due.Count;
            claimed = due.Count;
        }
        if (!refused && _idle.LostIfHandedBefore(now) is { } handedBefore && room > 0)
        {
            var lost = await outbox.ClaimLostAsync(handedBefore, now, room, cancellationToken);
            if (lost.Count > 0)
            {
                LogRepublishingLost(logger, lost.Count, handedBefore);
                await PublishAsync(lost, now, "lost", cancellationToken);
            }
        }
        return new PassResult(claimed, refused);
    }

    /// <returns>How many publishes the broker confirmed.</returns>
    private async Task<int> PublishAsync(IReadOnlyList<Guid> ids, DateTimeOffset claimedAt, string reason, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return 0;
        }
        var results = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                // With publisher confirms a nack (queue at its maximum length) throws here too.
                await bus.Publish(new DeliverMessage { MessageId = id }, cancellationToken);
                return (Id: id, Ok: true, Error: null as string);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return (Id: id, Ok: false, Error: ex.GetType().Name + ": " + ex.Message);
            }
        }));
        var confirmed = results.Where(x => x.Ok).Select(x => x.Id).ToList();
        var failed = results.Where(x => !x.Ok).ToList();
        // Not the stopping token: a settled claim must be written even while stopping, or it waits out the claim timeout.
        if (confirmed.Count > 0)
        {
            await outbox.MarkPublishedAsync(confirmed, claimedAt, CancellationToken.None);
            metrics.Published(confirmed.Count, reason);
        }
        if (failed.Count > 0)
        {
            await outbox.MarkPublishFailedAsync(failed.Select(x => x.Id).ToList(), claimedAt, time.GetUtcNow(), CancellationToken.None);
            metrics.Failed(failed.Count);
            LogPublishFailed(logger, failed.Count, ids.Count, failed[0].Error!);
        }
        LogDispatched(logger, confirmed.Count, reason);
        return confirmed.Count;
    }

    /// <summary>What one pass did: how many due messages it claimed, and whether the broker refused any.</summary>
    public readonly record struct PassResult(int Claimed, bool Refused);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "Dispatched {Count} message(s) ({Reason})")]
    private static partial void LogDispatched(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Dispatch pass failed: {ExceptionType}: {Error}")]
    private static partial void LogDispatchFailed(ILogger logger, string exceptionType, string error);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning,
        Message = "{Failed} of {Count} publish(es) failed or were refused; kept in the outbox for a retry. First error: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, int failed, int count, string error);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Warning,
        Message = "Republishing {Count} command(s) handed to the broker before {HandedBefore} and never taken (the queue has been idle since)")]
    private static partial void LogRepublishingLost(ILogger logger, int count, DateTimeOffset handedBefore);
}
