namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Keeps a lease alive while its SMTP transaction runs: renews it every third of the lease, so the
/// lease can be short (a crashed sender's work moves on within seconds) and a slow transaction is
/// still never taken over. If a renewal finds the lease gone — another sender took it after this one
/// lost the database for longer than a lease — <see cref="Lost"/> is cancelled.
/// </summary>
public sealed partial class LeaseHeartbeat : IAsyncDisposable
{
    private readonly DeliveryStore _store;
    private readonly LeasedDelivery _delivery;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;
    private long _leasedUntilTicks;

    public LeaseHeartbeat(DeliveryStore store, LeasedDelivery delivery, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        _store = store;
        _delivery = delivery;
        _duration = duration;
        _time = time;
        _logger = logger;
        _leasedUntilTicks = delivery.LeasedUntil.UtcTicks;
        _loop = RunAsync();
    }

    /// <summary>Cancelled when a renewal found the lease no longer this sender's.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>The end of the lease as last renewed.</summary>
    public DateTimeOffset LeasedUntil => new(Interlocked.Read(ref _leasedUntilTicks), TimeSpan.Zero);

    public static TimeSpan RenewEvery(TimeSpan duration) => duration / 3;

    private async Task RunAsync()
    {
        var interval = RenewEvery(_duration);
        while (true)
        {
            try
            {
                // Stopped is the normal end of nearly every message's heartbeat, long before the first
                // renewal: seen as a flag, not thrown and caught (an exception per message was about
                // 5 % of the sender's CPU in the benchmark's profile).
                await Task.Delay(interval, _time, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                var until = _time.GetUtcNow() + _duration;
                if (!await _store.RenewAsync(_delivery, until, _stop.Token))
                {
                    LogLeaseLost(_logger, _delivery.MessageId);
                    await _lost.CancelAsync();
                    return;
                }
                Interlocked.Exchange(ref _leasedUntilTicks, until.UtcTicks);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                // The next renewal may still come in time; if none does, the lease lapses and the
                // work moves to another sender, which is what a lease is for.
                LogRenewFailed(_logger, _delivery.MessageId, ex.Message);
            }
        }
    }

    /// <summary>
    /// Stops renewing. Called before the last outcome is recorded: once every recipient is final
    /// there is no lease left to renew, and a renewal finding none must not read as a takeover.
    /// </summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _lost.Dispose();
    }

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Lease renewal for {MessageId} failed: {Error}")]
    private static partial void LogRenewFailed(ILogger logger, Guid messageId, string error);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "Lease on {MessageId} was taken over by another sender; abandoning the transaction unless DATA was sent")]
    private static partial void LogLeaseLost(ILogger logger, Guid messageId);
}
