using System.Collections.Concurrent;
using System.Diagnostics;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Open sessions to one route, reused across messages: connection setup (TCP, greeting, EHLO,
/// STARTTLS, AUTH) costs more than a whole transaction on a warm session. A session goes back to
/// the pool only in a clean state, so a broken one is never handed out twice.
/// </summary>
public sealed partial class SmtpConnectionPool : IAsyncDisposable
{
    private readonly SmtpRoute _route;
    private readonly int _maxTransactions;
    private readonly TimeSpan _idleTimeout;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<PooledConnection> _idle = new();
    private readonly ILogger _logger;
    private readonly Timer _reaper;

    public SmtpConnectionPool(SmtpRoute route, int maxConnections, int maxTransactions, TimeSpan idleTimeout, ILogger logger)
    {
        _route = route;
        _maxTransactions = maxTransactions;
        _idleTimeout = idleTimeout;
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        _logger = logger;
        var period = TimeSpan.FromTicks(Math.Max(idleTimeout.Ticks / 2, TimeSpan.FromSeconds(1).Ticks));
        _reaper = new Timer(_ => _ = CloseIdleAsync(), null, period, period);
    }

    public SmtpRoute Route => _route;

    /// <summary>Waits for a free slot, then hands out an idle session (unless <paramref name="fresh"/>) or opens a new one.</summary>
    public async Task<PooledConnection> RentAsync(bool fresh, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            while (!fresh && _idle.TryPop(out var idle))
            {
                if (idle.Client.IsConnected && Stopwatch.GetElapsedTime(idle.LastUsedTimestamp) < _idleTimeout)
                {
                    return idle;
                }
                await idle.DisposeAsync();
            }
            var connection = await PooledConnection.OpenAsync(_route, cancellationToken);
            LogOpened(_logger, _route.ToString(), connection.RemoteIp, connection.Tls);
            return connection;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Whether a session may carry another transaction: still connected, and under <c>MaxMessagesPerConnection</c>.</summary>
    public bool CanCarryMore(PooledConnection connection) =>
        connection.Client.IsConnected && connection.Transactions < _maxTransactions;

    /// <summary>
    /// Gives a session back. A transaction that ended with the server's 250 to the final dot
    /// leaves the session reset (RFC 5321 §4.1.1.4), and MailKit sends RSET itself after one cut
    /// short by a refusal, so a <paramref name="reusable"/> session goes straight back; one broken
    /// by a transport failure or protocol error is closed. The caller counts its transactions
    /// (<see cref="PooledConnection.Transactions"/>).
    /// </summary>
    public async Task ReturnAsync(PooledConnection connection, bool reusable)
    {
        try
        {
            if (reusable && CanCarryMore(connection))
            {
                connection.LastUsedTimestamp = Stopwatch.GetTimestamp();
                _idle.Push(connection);
                return;
            }
            await connection.DisposeAsync();
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task CloseIdleAsync()
    {
        // Take everything, keep the fresh ones: simpler than a sorted structure for a few dozen sessions.
        var keep = new List<PooledConnection>();
        while (_idle.TryPop(out var connection))
        {
            if (Stopwatch.GetElapsedTime(connection.LastUsedTimestamp) >= _idleTimeout || !connection.Client.IsConnected)
            {
                await connection.DisposeAsync();
            }
            else
            {
                keep.Add(connection);
            }
        }
        for (var i = keep.Count - 1; i >= 0; i--)
        {
            _idle.Push(keep[i]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reaper.DisposeAsync();
        while (_idle.TryPop(out var connection))
        {
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Opened SMTP session to {Route} ({RemoteIp}), TLS {Tls}")]
    private static partial void LogOpened(ILogger logger, string route, string? remoteIp, bool tls);
}
