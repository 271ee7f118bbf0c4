namespace EmailRelay.Sender.Limits;

/// <summary>
/// The right to hold one SMTP connection to <see cref="Host"/>, one of its cluster-wide slots.
/// Renewed every third of the lease while held; disposing releases it. If a renewal finds the
/// slot taken (this sender lost the database for longer than a lease, or the database lost its
/// unlogged state), <see cref="Lost"/> is cancelled: close the connection after the transaction
/// in flight.
/// </summary>
public sealed partial class ConnectionSlot : IAsyncDisposable
{
    private readonly DestinationLimitsStore? _store;
    private readonly Guid _token;
    private readonly TimeSpan _lease;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly DestinationLimitsMetrics? _metrics;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;
    private int _disposed;

    internal ConnectionSlot(DestinationLimitsStore store, string host, int number, Guid token, TimeSpan lease, TimeProvider time,
        DestinationLimitsMetrics metrics, ILogger logger)
    {
        _store = store;
        _metrics = metrics;
        Host = host;
        Number = number;
        _token = token;
        _lease = lease;
        _time = time;
        _logger = logger;
        _loop = RenewAsync();
    }

    private ConnectionSlot(string host)
    {
        Host = host;
        _time = TimeProvider.System;
        _loop = Task.CompletedTask;
    }

    /// <summary>A slot for a host without a connection limit: nothing is stored, nothing to renew.</summary>
    internal static ConnectionSlot Unlimited(string host) => new(host);

    public string Host { get; }

    /// <summary>The slot's number, 1..max; 0 when the host has no limit.</summary>
    public int Number { get; }

    /// <summary>Cancelled when a renewal found the slot no longer this holder's.</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task RenewAsync()
    {
        var interval = _lease / 3;
        while (true)
        {
            try
            {
                await Task.Delay(interval, _time, _stop.Token);
                if (!await _store!.RenewSlotAsync(Host, Number, _token, _lease, _stop.Token))
                {
                    LogSlotLost(_logger!, Host, Number);
                    _metrics!.SlotLost();
                    await _lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                // The next renewal may still come in time; if none does the slot lapses, which only
                // lets another sender open a connection this one may still hold: bounded by the lease.
                LogRenewFailed(_logger!, Host, Number, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        await _loop;
        if (_store is not null && !_lost.IsCancellationRequested)
        {
            try
            {
                // Released even while the caller's work is being cancelled (shutdown): otherwise the
                // slot stays taken for a whole lease.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
                await _store.ReleaseSlotAsync(Host, Number, _token, timeout.Token);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
            {
                LogReleaseFailed(_logger!, Host, Number, ex.Message);
            }
        }
        _stop.Dispose();
        _lost.Dispose();
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Renewing connection slot {Slot} of {Host} failed: {Error}")]
    private static partial void LogRenewFailed(ILogger logger, string host, int slot, string error);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "Connection slot {Slot} of {Host} was lost (lease lapsed and taken, or limits state reset); the connection should close")]
    private static partial void LogSlotLost(ILogger logger, string host, int slot);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Warning, Message = "Releasing connection slot {Slot} of {Host} failed, it frees when its lease ends: {Error}")]
    private static partial void LogReleaseFailed(ILogger logger, string host, int slot, string error);
}
