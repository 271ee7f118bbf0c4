using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Limits;

/// <summary>
/// Per-destination limits shared by every sender replica (DESIGN.md §5): connection slots per
/// host, a message rate per recipient domain, and backoff after 421 or 4.7.x. PostgreSQL holds the
/// state; this process keeps only a second-old copy of the backoffs so that checking one costs no
/// query per message. Written here rather than with System.Threading.RateLimiting, whose limiters
/// keep their state in one process's memory (see ProjectRateLimiter in the API).
/// </summary>
public sealed partial class DestinationLimiter
{
    /// <summary>How old the in-process copy of the backoffs may be before it is read again.</summary>
    public static readonly TimeSpan BackoffCacheDuration = TimeSpan.FromSeconds(1);

    private readonly DestinationLimitsStore _store;
    private readonly DestinationLimitsResolver _resolver;
    private readonly DeliveryLimitsOptions _options;
    private readonly DestinationLimitsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DestinationLimiter> _logger;
    private readonly Lock _gate = new();
    private BackoffSnapshot? _snapshot;
    private Task<BackoffSnapshot>? _refresh;

    public DestinationLimiter(DestinationLimitsStore store, IOptions<DeliveryLimitsOptions> options, DestinationLimitsMetrics metrics,
        TimeProvider time, ILogger<DestinationLimiter> logger)
        : this(store, options, metrics, time, logger, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}")
    {
    }

    /// <param name="owner">Names this replica on the slots it holds; only an operator reads it.</param>
    public DestinationLimiter(DestinationLimitsStore store, IOptions<DeliveryLimitsOptions> options, DestinationLimitsMetrics metrics,
        TimeProvider time, ILogger<DestinationLimiter> logger, string owner)
    {
        _store = store;
        _options = options.Value;
        _resolver = new DestinationLimitsResolver(_options);
        _metrics = metrics;
        _time = time;
        _logger = logger;
        Owner = owner;
        metrics.ObserveBackoffs(CountActiveBackoffs);
    }

    public string Owner { get; }

    /// <summary>The limits in force for a host or domain (for the pool: MaxMessagesPerConnection).</summary>
    public DestinationLimits LimitsFor(string destination) => _resolver.For(destination);

    /// <summary>
    /// Reply 421, or an enhanced status 4.7.x (RFC 3463 "security or policy status", which
    /// receivers use for rate and reputation throttling, e.g. 4.7.28, 4.7.0 "try again later"),
    /// says the destination wants less from us, not that one message failed.
    /// </summary>
    public static bool IsBackoffReply(int code, string? enhancedCode) =>
        code == 421 || (enhancedCode is { Length: > 4 } e && e.StartsWith("4.7.", StringComparison.Ordinal) && e[4..].All(char.IsAsciiDigit));

    /// <summary>
    /// Takes one of the host's connection slots, cluster-wide; null when all are held (open no
    /// connection: reuse one already open, wait, or try later). Dispose the slot when the
    /// connection closes.
    /// </summary>
    public async Task<ConnectionSlot?> TryAcquireConnectionAsync(string host, CancellationToken cancellationToken)
    {
        var name = DestinationPattern.Normalize(host);
        var max = _resolver.For(name).MaxConnectionsPerHost;
        if (max == 0)
        {
            return ConnectionSlot.Unlimited(name);
        }
        var token = Guid.NewGuid();
        var slot = await _store.TakeSlotAsync(name, max, Owner, token, _options.ConnectionLease, cancellationToken);
        if (slot is not { } number)
        {
            _metrics.SlotWait();
            return null;
        }
        return new ConnectionSlot(_store, name, number, token, _options.ConnectionLease, _time, _metrics, _logger);
    }

    /// <summary>
    /// Takes <paramref name="messages"/> from the recipient domain's rate, all or none: Zero means
    /// go, anything else how long to wait before asking again (nothing was taken). A domain with no
    /// rate limit costs nothing.
    /// </summary>
    public async Task<TimeSpan> TakeAsync(string recipientDomain, int messages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        var name = DestinationPattern.Normalize(recipientDomain);
        var limits = _resolver.For(name);
        if (limits.MessagesPerSecondPerDomain <= 0)
        {
            return TimeSpan.Zero;
        }
        var wait = await _store.TakeRateAsync(name, messages, 1 / limits.MessagesPerSecondPerDomain, limits.Burst, cancellationToken);
        if (wait <= 0)
        {
            return TimeSpan.Zero;
        }
        _metrics.RateWait();
        // Rounded up, so that waiting exactly this long finds the room there.
        return TimeSpan.FromMilliseconds(Math.Ceiling(wait * 1000));
    }

    /// <summary>
    /// Backs the destination off after it answered 421 or 4.7.x (<see cref="IsBackoffReply"/>), or
    /// returns the backoff already in force (then unchanged: the same episode seen again). The
    /// returned backoff is what the caller defers the destination's recipients until.
    /// </summary>
    public async Task<DestinationBackoff> BackOffAsync(string destination, int replyCode, string? enhancedCode, string reply,
        CancellationToken cancellationToken)
    {
        var name = DestinationPattern.Normalize(destination);
        var reason = replyCode == 421 ? "service_unavailable" : "policy";
        var (backoff, started) = await _store.BackOffAsync(name, _resolver.For(name).Backoff, reason, replyCode, enhancedCode, reply,
            cancellationToken);
        if (started)
        {
            _metrics.BackoffStarted(backoff);
            LogBackedOff(_logger, backoff.Destination, backoff.Until, backoff.Strikes, backoff.ReplyCode, backoff.EnhancedCode);
        }
        lock (_gate)
        {
            // This replica sees its own backoff at once, without waiting for the next read.
            _snapshot = _snapshot?.With(backoff);
        }
        return backoff;
    }

    /// <summary>
    /// The backoff in force for the destination, or null. Read from a copy of every active backoff
    /// at most <see cref="BackoffCacheDuration"/> old, so a backoff started by another replica is
    /// seen within about a second.
    /// </summary>
    public async Task<DestinationBackoff?> GetBackoffAsync(string destination, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || _time.GetElapsedTime(snapshot.ReadAt) >= BackoffCacheDuration)
        {
            snapshot = await RefreshAsync(cancellationToken);
        }
        return snapshot.Find(DestinationPattern.Normalize(destination), _time);
    }

    /// <summary>Deletes limits state that no longer says anything (see <see cref="DestinationLimitsStore.PruneAsync"/>).</summary>
    public Task<(int Slots, int Rates, int Backoffs)> PruneAsync(TimeSpan idleFor, CancellationToken cancellationToken) =>
        _store.PruneAsync(idleFor, cancellationToken);

    // One read at a time however many deliveries ask; a caller that gives up stops waiting, not the read.
    private Task<BackoffSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        Task<BackoffSnapshot> refresh;
        lock (_gate)
        {
            if (_refresh is null || _refresh.IsCompleted)
            {
                _refresh = ReadBackoffsAsync();
            }
            refresh = _refresh;
        }
        return refresh.WaitAsync(cancellationToken);
    }

    private async Task<BackoffSnapshot> ReadBackoffsAsync()
    {
        var readAt = _time.GetTimestamp();
        var (now, active) = await _store.ActiveBackoffsAsync(CancellationToken.None);
        var snapshot = new BackoffSnapshot(active.ToFrozenDictionary(b => b.Destination, StringComparer.Ordinal), now, readAt);
        lock (_gate)
        {
            _snapshot = snapshot;
        }
        return snapshot;
    }

    private int CountActiveBackoffs() => _snapshot?.CountActive(_time) ?? 0;

    [LoggerMessage(EventId = 2404, Level = LogLevel.Warning,
        Message = "Destination {Destination} backed off until {Until} (strike {Strikes}) after {ReplyCode} {EnhancedCode}")]
    private static partial void LogBackedOff(ILogger logger, string destination, DateTimeOffset until, int strikes, int replyCode, string? enhancedCode);
}
