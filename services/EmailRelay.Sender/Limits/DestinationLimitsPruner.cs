namespace EmailRelay.Sender.Limits;

/// <summary>
/// Keeps the limits tables small: every few minutes, deletes slots idle for an hour, rate rows
/// long since full and forgotten backoffs. Every replica runs it; the deletes are idempotent, so
/// two at once only repeat each other's work.
/// </summary>
public sealed partial class DestinationLimitsPruner(DestinationLimiter limiter, TimeProvider time, ILogger<DestinationLimitsPruner> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    // A host's slot rows are recreated by its next connection; an hour keeps busy hosts' rows
    // in place between bursts instead of deleting and recreating them.
    private static readonly TimeSpan IdleFor = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                var (slots, rates, backoffs) = await limiter.PruneAsync(IdleFor, stoppingToken);
                if (slots + rates + backoffs > 0)
                {
                    LogPruned(logger, slots, rates, backoffs);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogPruneFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 2405, Level = LogLevel.Debug, Message = "Pruned destination limits state: {Slots} slots, {Rates} rates, {Backoffs} backoffs")]
    private static partial void LogPruned(ILogger logger, int slots, int rates, int backoffs);

    [LoggerMessage(EventId = 2406, Level = LogLevel.Warning, Message = "Pruning destination limits state failed; next try in a few minutes: {Error}")]
    private static partial void LogPruneFailed(ILogger logger, string error);
}
