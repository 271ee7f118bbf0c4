using EmailRelay.Contracts;
using EmailRelay.Sender.Delivery;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.Sender.Dispatch;

/// <summary>
/// The outbox, the retry timer, the scheduled-send timer and the crash recovery in one loop
/// (DESIGN.md §3.2): claim messages whose <c>next_dispatch_at</c> has passed, push that time past
/// the redispatch delay, commit, publish. Every replica runs it; SKIP LOCKED keeps them apart.
/// </summary>
public sealed partial class Dispatcher(
    NpgsqlDataSource dataSource,
    IBusControl bus,
    TimeProvider time,
    IOptions<DispatcherOptions> options,
    IOptions<DeliveryOptions> delivery,
    ILogger<Dispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                // While the broker is unreachable a claim would only push due times back.
                if (bus.CheckHealth().Status == BusHealthStatus.Healthy)
                {
                    claimed = await DispatchOnceAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // Database or broker trouble: the claimed rows come due again after RedispatchAfter,
                // so the loop only has to survive and try again.
                LogDispatchFailed(logger, ex.GetType().Name, ex.Message);
            }
            if (claimed < options.Value.BatchSize)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <returns>How many messages were claimed.</returns>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ids = new List<Guid>();
        await using (var command = dataSource.CreateCommand("""
            UPDATE messages SET next_dispatch_at = $2
            WHERE id IN (SELECT id FROM messages WHERE next_dispatch_at <= $1
                         ORDER BY next_dispatch_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + delivery.Value.RedispatchAfter });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.Value.BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
            }
        }
        if (ids.Count == 0)
        {
            return 0;
        }
        // A publish that fails here is retried after RedispatchAfter, like one lost in a crash.
        await Task.WhenAll(ids.Select(id => bus.Publish(new DeliverMessage { MessageId = id }, cancellationToken)));
        LogDispatched(logger, ids.Count);
        return ids.Count;
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "Dispatched {Count} message(s)")]
    private static partial void LogDispatched(ILogger logger, int count);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Dispatch pass failed: {ExceptionType}: {Error}")]
    private static partial void LogDispatchFailed(ILogger logger, string exceptionType, string error);
}
