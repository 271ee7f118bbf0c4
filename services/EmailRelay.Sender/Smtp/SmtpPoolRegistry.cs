using System.Collections.Concurrent;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// One <see cref="SmtpConnectionPool"/> per <see cref="SmtpEndpoint"/>, created on first use. A
/// sweep closes idle sessions and drops pools nothing has used for an idle timeout, so direct
/// delivery to thousands of MX hosts does not keep thousands of empty pools.
/// </summary>
public sealed class SmtpPoolRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SmtpEndpoint, SmtpConnectionPool> _pools = new();
    private readonly SmtpClientSettings _client;
    private readonly SmtpPoolSettings _settings;
    private readonly Func<SmtpEndpoint, SmtpPoolSettings> _settingsFor;
    private readonly ISmtpConnectionGate? _gate;
    private readonly SmtpMetrics _metrics;
    private readonly ILogger<SmtpConnectionPool> _logger;
    private readonly Timer _sweeper;
    private int _sweeping;

    /// <param name="settingsFor">The pool size of one endpoint (e.g. per-host messages per connection); null: <paramref name="settings"/> for all.</param>
    /// <param name="gate">Asked before any new connection (cluster-wide per-host limits); null: no limit beyond each pool's size.</param>
    public SmtpPoolRegistry(SmtpClientSettings client, SmtpPoolSettings settings, SmtpMetrics metrics, ILogger<SmtpConnectionPool> logger,
        Func<SmtpEndpoint, SmtpPoolSettings>? settingsFor = null, ISmtpConnectionGate? gate = null)
    {
        _client = client;
        _settings = settings;
        _settingsFor = settingsFor ?? (_ => settings);
        _gate = gate;
        _metrics = metrics;
        _logger = logger;
        var period = TimeSpan.FromTicks(Math.Max(settings.IdleTimeout.Ticks / 2, TimeSpan.FromSeconds(1).Ticks));
        _sweeper = new Timer(_ => _ = SweepAsync(), null, period, period);
    }

    public SmtpClientSettings Client => _client;

    public SmtpConnectionPool Get(SmtpEndpoint endpoint) =>
        _pools.GetOrAdd(endpoint, e => new SmtpConnectionPool(e, _client, _settingsFor(e), _metrics, _logger, _gate));

    /// <summary>The pools open now, for tests and diagnostics.</summary>
    public IReadOnlyCollection<SmtpEndpoint> Endpoints => [.. _pools.Keys];

    private async Task SweepAsync()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }
        try
        {
            foreach (var (endpoint, pool) in _pools)
            {
                await pool.CloseIdleAsync();
                // A pool rented from between this check and the removal still works; its sessions
                // are closed on return instead of kept, and the next Get makes a new pool.
                if (pool.IsUnused && _pools.TryRemove(new KeyValuePair<SmtpEndpoint, SmtpConnectionPool>(endpoint, pool)))
                {
                    pool.Retire();
                    await pool.DisposeAsync();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        foreach (var pool in _pools.Values)
        {
            await pool.DisposeAsync();
        }
        _pools.Clear();
    }
}
