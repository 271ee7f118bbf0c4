using System.Collections.Concurrent;
using System.Diagnostics;
using MailKit.Security;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Open sessions to one endpoint, reused across messages: connection setup (TCP, greeting, EHLO,
/// STARTTLS, AUTH) costs more than a whole transaction on a warm session. A session goes back to
/// the pool only in a clean state, so a broken one is never handed out twice. Idle sessions are
/// closed by <see cref="SmtpPoolRegistry"/>'s sweep.
/// </summary>
public sealed partial class SmtpConnectionPool : IAsyncDisposable
{
    private readonly SmtpClientSettings _client;
    private readonly SmtpPoolSettings _settings;
    private readonly ISmtpConnectionGate _gate;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<PooledConnection> _idle = new();
    private readonly SmtpMetrics _metrics;
    private readonly ILogger _logger;
    private long _lastActivity = Stopwatch.GetTimestamp();
    private volatile bool _retired;

    public SmtpConnectionPool(SmtpEndpoint endpoint, SmtpClientSettings client, SmtpPoolSettings settings, SmtpMetrics metrics, ILogger logger,
        ISmtpConnectionGate? gate = null)
    {
        Endpoint = endpoint;
        _client = client;
        _settings = settings;
        _gate = gate ?? OpenSmtpConnectionGate.Instance;
        _slots = new SemaphoreSlim(settings.MaxConnections, settings.MaxConnections);
        _metrics = metrics;
        _logger = logger;
    }

    public SmtpEndpoint Endpoint { get; }

    /// <summary>No session open (idle or rented) and nothing done for longer than the idle timeout.</summary>
    internal bool IsUnused =>
        _idle.IsEmpty && _slots.CurrentCount == _settings.MaxConnections
        && Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActivity)) >= _settings.IdleTimeout;

    /// <summary>Taken out of the registry: sessions given back are closed instead of kept.</summary>
    internal void Retire() => _retired = true;

    /// <summary>Waits for a free slot, then hands out an idle session (unless <paramref name="fresh"/>) or opens a new one.</summary>
    public async Task<PooledConnection> RentAsync(bool fresh, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());
        try
        {
            while (!fresh && _idle.TryPop(out var idle))
            {
                if (idle.Client.IsConnected && Stopwatch.GetElapsedTime(idle.LastUsedTimestamp) < _settings.IdleTimeout)
                {
                    _metrics.Reused(idle);
                    return idle;
                }
                await CloseAsync(idle);
            }
            var permit = await EnterGateAsync(cancellationToken);
            PooledConnection connection;
            try
            {
                connection = await OpenAsync(cancellationToken);
            }
            catch
            {
                await permit.DisposeAsync();
                throw;
            }
            connection.Permit = permit;
            _metrics.Opened(connection);
            LogOpened(_logger, Endpoint.ToString(), connection.RemoteIp, connection.Tls, connection.TlsFallback);
            return connection;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>
    /// A permit from the gate for one more connection (a cluster-wide slot for this host). None free:
    /// asked again, a little later each time, until the connect timeout is spent, as a local pool
    /// slot is waited for; then the wait ends as a timeout, which defers the transaction.
    /// </summary>
    private async Task<IAsyncDisposable> EnterGateAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (await _gate.TryEnterAsync(Endpoint, cancellationToken) is { } permit)
            {
                return permit;
            }
            if (Stopwatch.GetElapsedTime(started) + pause > _client.ConnectTimeout)
            {
                throw new TimeoutException(
                    $"no connection slot free for {Endpoint.Host} within {_client.ConnectTimeout.TotalSeconds:0.#} s (every slot of the cluster-wide limit is held)");
            }
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>
    /// Where TLS is optional, a handshake that fails (an old or broken TLS stack on the server) is
    /// not worth a deferral: the same host is tried once more without STARTTLS, as Postfix does
    /// at <c>smtp_tls_security_level = may</c>. Where it is required, the failure stands.
    /// </summary>
    private async Task<PooledConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await PooledConnection.OpenAsync(Endpoint, _client, plain: false, tlsFallback: null, cancellationToken);
        }
        catch (SslHandshakeException ex) when (Endpoint.Tls == TlsMode.Opportunistic)
        {
            var why = $"STARTTLS handshake failed ({(ex.InnerException ?? ex).Message.Split('\n')[0].Trim()}); retried without TLS";
            LogTlsFallback(_logger, Endpoint.ToString(), why);
            return await PooledConnection.OpenAsync(Endpoint, _client, plain: true, why, cancellationToken);
        }
    }

    /// <summary>Whether a session may carry another transaction: still connected, and under <c>MaxMessagesPerConnection</c>.</summary>
    public bool CanCarryMore(PooledConnection connection) =>
        connection.Client.IsConnected && connection.Transactions < _settings.MaxMessagesPerConnection;

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
            Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());
            if (reusable && !_retired && CanCarryMore(connection))
            {
                connection.LastUsedTimestamp = Stopwatch.GetTimestamp();
                _idle.Push(connection);
                return;
            }
            await CloseAsync(connection);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Closes the sessions idle longer than the idle timeout, and those the server dropped.</summary>
    internal async Task CloseIdleAsync()
    {
        // Take everything, keep the fresh ones: simpler than a sorted structure for a few dozen sessions.
        var keep = new List<PooledConnection>();
        while (_idle.TryPop(out var connection))
        {
            if (_retired || Stopwatch.GetElapsedTime(connection.LastUsedTimestamp) >= _settings.IdleTimeout || !connection.Client.IsConnected)
            {
                await CloseAsync(connection);
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

    private async Task CloseAsync(PooledConnection connection)
    {
        _metrics.Closed(connection);
        await connection.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _retired = true;
        while (_idle.TryPop(out var connection))
        {
            await CloseAsync(connection);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Opened SMTP session to {Endpoint} ({RemoteIp}), TLS {Tls} {TlsFallback}")]
    private static partial void LogOpened(ILogger logger, string endpoint, string? remoteIp, bool tls, string? tlsFallback);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "{Endpoint}: {Reason}")]
    private static partial void LogTlsFallback(ILogger logger, string endpoint, string reason);
}
