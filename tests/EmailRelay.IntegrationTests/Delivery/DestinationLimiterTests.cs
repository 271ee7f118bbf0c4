using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EmailRelay.IntegrationTests.Infrastructure;
using EmailRelay.Sender.Limits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// The per-destination limits as several sender replicas see them: each "replica" is its own
/// service provider with its own connection pool and owner id, all on one real, migrated database.
/// </summary>
public sealed class DestinationLimiterTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly List<Replica> _replicas = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Two_replicas_never_hold_more_connection_slots_than_the_limit_together()
    {
        const int max = 4;
        var settings = Settings(("Delivery:Limits:MaxConnectionsPerHost", $"{max}"));
        var replicas = new[] { Start(settings), Start(settings) };
        var held = new ConcurrentDictionary<int, string>();
        var live = 0;
        var mostLive = 0;
        var violations = 0;
        var refused = 0;
        var grantedByOwner = new ConcurrentDictionary<string, int>();

        // 16 workers per replica, each taking a slot, holding it a moment and giving it back, as
        // fast as it can: far more takers than slots, all at once.
        var workers = replicas.SelectMany(replica => Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var slot = await replica.Limiter.TryAcquireConnectionAsync("MX1.Busy.test", CancellationToken.None);
                if (slot is null)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(1);
                    continue;
                }
                // Counted from when the database granted it until before it is given back, so the
                // count is never above the number the database thinks are held.
                if (!held.TryAdd(slot.Number, replica.Limiter.Owner))
                {
                    Interlocked.Increment(ref violations);
                }
                var now = Interlocked.Increment(ref live);
                InterlockedMax(ref mostLive, now);
                grantedByOwner.AddOrUpdate(replica.Limiter.Owner, 1, (_, n) => n + 1);
                await Task.Delay(5);
                Interlocked.Decrement(ref live);
                held.TryRemove(slot.Number, out _);
                await slot.DisposeAsync();
            }
        }))).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(0, violations);
        Assert.InRange(mostLive, 1, max);
        Assert.True(refused > 0, "the test must make the takers contend for the slots");
        Assert.Equal(2, grantedByOwner.Count);
        // The rows are reused: one per slot number, every one free again.
        Assert.Equal(max, await _database.ScalarAsync<long>("SELECT count(*) FROM destination_connection_slots WHERE host = 'mx1.busy.test'"));
        Assert.Equal(0, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM destination_connection_slots WHERE expires_at > clock_timestamp() OR token IS NOT NULL"));
    }

    [Fact]
    public async Task A_crashed_replicas_slots_free_themselves_after_their_lease()
    {
        var settings = Settings(("Delivery:Limits:MaxConnectionsPerHost", "2"), ("Delivery:Limits:ConnectionLease", "00:00:02"));
        // A replica that took both slots and then died: its timers never fire again, so it never
        // renews, and it never releases.
        var crashed = Start(settings, new TimersNeverFire());
        var survivor = await StartWarmAsync(settings);
        Assert.NotNull(await crashed.Limiter.TryAcquireConnectionAsync("mx.crash.test", CancellationToken.None));
        Assert.NotNull(await crashed.Limiter.TryAcquireConnectionAsync("mx.crash.test", CancellationToken.None));

        Assert.Null(await survivor.Limiter.TryAcquireConnectionAsync("mx.crash.test", CancellationToken.None));

        var taken = new List<ConnectionSlot>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (taken.Count < 2)
        {
            patience.Token.ThrowIfCancellationRequested();
            if (await survivor.Limiter.TryAcquireConnectionAsync("mx.crash.test", CancellationToken.None) is { } slot)
            {
                taken.Add(slot);
            }
            else
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal([1, 2], taken.Select(s => s.Number).Order());
        Assert.Equal(2, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM destination_connection_slots WHERE host = 'mx.crash.test' AND owner = $1", survivor.Limiter.Owner));
        foreach (var slot in taken)
        {
            await slot.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_held_slot_is_renewed_past_its_lease_and_released_on_dispose()
    {
        var settings = Settings(("Delivery:Limits:MaxConnectionsPerHost", "1"), ("Delivery:Limits:ConnectionLease", "00:00:02"));
        var holder = Start(settings);
        var other = Start(settings);
        var slot = await holder.Limiter.TryAcquireConnectionAsync("mx.renew.test", CancellationToken.None);
        Assert.NotNull(slot);

        // Well past two leases: only the renewals keep it held.
        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.Null(await other.Limiter.TryAcquireConnectionAsync("mx.renew.test", CancellationToken.None));
        Assert.False(slot.Lost.IsCancellationRequested);
        await slot.DisposeAsync();
        await using var next = await other.Limiter.TryAcquireConnectionAsync("mx.renew.test", CancellationToken.None);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task A_host_without_a_connection_limit_costs_no_database_work()
    {
        var replica = Start(Settings(("Delivery:Limits:Destinations:free:Match", "*.free.test"),
            ("Delivery:Limits:Destinations:free:MaxConnectionsPerHost", "0")));

        var slots = new List<ConnectionSlot>();
        for (var i = 0; i < 20; i++)
        {
            slots.Add((await replica.Limiter.TryAcquireConnectionAsync("mx.free.test", CancellationToken.None))!);
        }

        Assert.All(slots, s => Assert.Equal(0, s.Number));
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM destination_connection_slots"));
        foreach (var slot in slots)
        {
            await slot.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_replicas_share_one_message_rate_per_domain()
    {
        const double rate = 5; // the burst is one second's worth: 5
        var settings = Settings(("Delivery:Limits:Destinations:slow:Match", "slow.test"),
            ("Delivery:Limits:Destinations:slow:MessagesPerSecondPerDomain", $"{rate}"));
        var replicas = new[] { Start(settings), Start(settings) };
        var before = await DatabaseNowAsync();

        var waits = await Task.WhenAll(replicas.SelectMany(replica => Enumerable.Range(0, 50)
            .Select(_ => Task.Run(() => replica.Limiter.TakeAsync("Slow.test", 1, CancellationToken.None)))));

        var elapsed = (await DatabaseNowAsync() - before).TotalSeconds;
        var granted = waits.Count(w => w == TimeSpan.Zero);
        // GCRA: over any interval no more than the burst plus the rate times its length goes
        // through, whichever replica asks; and a full bucket lets the whole burst through.
        Assert.InRange(granted, 5, 5 + (int)Math.Floor(elapsed * rate) + 1);
        Assert.All(waits.Where(w => w != TimeSpan.Zero), w => Assert.InRange(w, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2)));
        // Unlimited domains are not stored at all.
        Assert.Equal(TimeSpan.Zero, await replicas[0].Limiter.TakeAsync("fast.test", 1000, CancellationToken.None));
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM destination_rates WHERE domain <> 'slow.test'"));
    }

    [Fact]
    public async Task A_batch_takes_its_whole_size_and_the_next_take_waits_at_most_one_interval()
    {
        var settings = Settings(("Delivery:Limits:MessagesPerSecondPerDomain", "2"));
        var first = await StartWarmAsync(settings);
        var second = await StartWarmAsync(settings);

        Assert.Equal(TimeSpan.Zero, await first.Limiter.TakeAsync("batch.test", 2, CancellationToken.None));
        var wait = await second.Limiter.TakeAsync("batch.test", 1, CancellationToken.None);

        // The bucket was emptied by the batch; room for one more comes one interval (500 ms) after
        // it. Had the second take come later than that, it would have been let through at once.
        Assert.InRange(wait, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(501));
        // A refusal took nothing: a batch larger than the burst still goes once the bucket is full again.
        await WaitForDatabaseTimeAsync("SELECT tat FROM destination_rates WHERE domain = 'batch.test'");
        Assert.Equal(TimeSpan.Zero, await second.Limiter.TakeAsync("batch.test", 12, CancellationToken.None));
        Assert.NotEqual(TimeSpan.Zero, await first.Limiter.TakeAsync("batch.test", 1, CancellationToken.None));
    }

    [Fact]
    public async Task A_backoff_set_by_one_replica_is_seen_by_the_other()
    {
        var settings = Settings();
        var first = Start(settings);
        var second = Start(settings);
        using var metrics = new MetricsRecorder();
        Assert.Null(await second.Limiter.GetBackoffAsync("mx.throttled.test", CancellationToken.None));

        var backoff = await first.Limiter.BackOffAsync("MX.Throttled.test", 421, "4.7.0", "421 4.7.0 Try again later", CancellationToken.None);

        Assert.Equal("mx.throttled.test", backoff.Destination);
        Assert.Equal(1, backoff.Strikes);
        Assert.Equal("service_unavailable", backoff.Reason);
        Assert.Equal(TimeSpan.FromMinutes(1), backoff.Until - backoff.Since);
        Assert.Equal(backoff, await first.Limiter.GetBackoffAsync("mx.throttled.test", CancellationToken.None));
        // The other replica read the backoffs a moment ago; it sees this one once its copy is a second old.
        var seen = await EventuallyAsync(() => second.Limiter.GetBackoffAsync("mx.throttled.test", CancellationToken.None));
        Assert.Equal(backoff, seen);

        // The same episode reported again (a transaction on the other replica that started before
        // the backoff) neither grows nor moves it, and does not count as a new backoff.
        var again = await second.Limiter.BackOffAsync("mx.throttled.test", 451, "4.7.28", "451 4.7.28 slow down", CancellationToken.None);
        Assert.Equal(backoff, again);
        Assert.Equal(1, metrics.Sum("emailrelay.destinations.backoffs"));
        Assert.Equal(1, metrics.Observe("emailrelay.destinations.in_backoff", second.Meters));
        Assert.Null(await second.Limiter.GetBackoffAsync("mx.other.test", CancellationToken.None));
    }

    [Fact]
    public async Task Repeated_backoffs_double_up_to_the_cap_and_are_forgotten_after_a_quiet_spell()
    {
        var replica = Start(Settings(("Delivery:Limits:BackoffInitial", "00:01:00"), ("Delivery:Limits:BackoffMax", "00:04:00")));
        var durations = new List<TimeSpan>();
        var strikes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var backoff = await replica.Limiter.BackOffAsync("mx.repeat.test", 421, null, "421 too busy", CancellationToken.None);
            durations.Add(backoff.Until - backoff.Since);
            strikes.Add(backoff.Strikes);
            // Time passes until the backoff has just ended (the row moved into the past instead of
            // the test waiting minutes), still within the spell in which a repeat counts.
            await ShiftBackoffAsync("mx.repeat.test", "until - clock_timestamp() + interval '1 millisecond'");
        }

        Assert.Equal([1, 2, 3, 4], strikes);
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(4)], durations);

        // After its end plus the maximum without another 421, the destination starts over.
        await ShiftBackoffAsync("mx.repeat.test", "forget_after - clock_timestamp() + interval '1 millisecond'");
        var fresh = await replica.Limiter.BackOffAsync("mx.repeat.test", 421, null, "421 too busy", CancellationToken.None);
        Assert.Equal(1, fresh.Strikes);
        Assert.Equal(TimeSpan.FromMinutes(1), fresh.Until - fresh.Since);
    }

    [Fact]
    public async Task Expired_state_is_reused_and_then_pruned()
    {
        var replica = Start(Settings(("Delivery:Limits:MaxConnectionsPerHost", "3"), ("Delivery:Limits:MessagesPerSecondPerDomain", "100")));
        for (var i = 0; i < 20; i++)
        {
            var slot = await replica.Limiter.TryAcquireConnectionAsync("mx.prune.test", CancellationToken.None);
            await slot!.DisposeAsync();
        }
        await replica.Limiter.TakeAsync("prune.test", 1, CancellationToken.None);
        await replica.Limiter.BackOffAsync("mx.prune.test", 421, null, "421 busy", CancellationToken.None);
        await replica.Limiter.BackOffAsync("mx.kept.test", 421, null, "421 busy", CancellationToken.None);
        Assert.Equal(3, await _database.ScalarAsync<long>("SELECT count(*) FROM destination_connection_slots"));

        // Nothing is pruned while it still means something...
        Assert.Equal((0, 0, 0), await replica.Limiter.PruneAsync(TimeSpan.FromHours(1), CancellationToken.None));

        // ...and everything is once it has been idle long enough (rows moved two hours back).
        await _database.ScalarAsync<int>("UPDATE destination_connection_slots SET expires_at = expires_at - interval '2 hours'");
        await _database.ScalarAsync<int>("UPDATE destination_rates SET tat = tat - interval '2 hours'");
        await ShiftBackoffAsync("mx.prune.test", "forget_after - clock_timestamp() + interval '1 millisecond'");
        Assert.Equal((3, 1, 1), await replica.Limiter.PruneAsync(TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal("mx.kept.test", await _database.ScalarAsync<string>("SELECT string_agg(destination, ',') FROM destination_backoffs"));

        // A pruned host's slots come back with its next connection.
        await using var again = await replica.Limiter.TryAcquireConnectionAsync("mx.prune.test", CancellationToken.None);
        Assert.Equal(1, again!.Number);
    }

    private Replica Start(Dictionary<string, string?> settings, TimeProvider? time = null)
    {
        var replica = new Replica(_database.ConnectionString, settings, time);
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>
    /// A replica whose pool has opened its first connection: that one pays for authentication and
    /// loading the database's types, which on a loaded machine takes longer than the intervals
    /// timed between two replicas' calls.
    /// </summary>
    private async Task<Replica> StartWarmAsync(Dictionary<string, string?> settings)
    {
        var replica = Start(settings);
        await replica.WarmAsync();
        return replica;
    }

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => s.Key, s => (string?)s.Value);

    private async Task<DateTimeOffset> DatabaseNowAsync() => await _database.ScalarAsync<DateTime>("SELECT clock_timestamp()");

    private async Task ShiftBackoffAsync(string destination, string by) =>
        await _database.ScalarAsync<int>($"""
            UPDATE destination_backoffs b SET since = since - d.by, until = until - d.by, forget_after = forget_after - d.by
            FROM (SELECT {by} AS by FROM destination_backoffs WHERE destination = $1) AS d
            WHERE b.destination = $1
            """, destination);

    private async Task WaitForDatabaseTimeAsync(string sql)
    {
        var until = await _database.ScalarAsync<DateTime>(sql);
        while (await DatabaseNowAsync() <= until)
        {
            await Task.Delay(50);
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : class
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(100, patience.Token);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>One sender replica's limits: its own service provider, connection pool and owner id.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly NpgsqlDataSource _dataSource;

        public Replica(string connectionString, Dictionary<string, string?> settings, TimeProvider? time)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection();
            services.AddLogging();
            if (time is not null)
            {
                services.AddSingleton(time);
            }
            // A sender's pool is bounded too; the server's connections are shared with other tests.
            _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 8 }.ConnectionString);
            services.AddSingleton(_dataSource);
            services.AddDeliveryLimits(configuration);
            _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            // What ValidateOnStart does in the host: a bad setting fails here, not at first use.
            _ = _provider.GetRequiredService<IOptions<DeliveryLimitsOptions>>().Value;
            Limiter = _provider.GetRequiredService<DestinationLimiter>();
        }

        public DestinationLimiter Limiter { get; }

        public async Task WarmAsync()
        {
            await using var connection = await _dataSource.OpenConnectionAsync();
        }

        public IMeterFactory Meters => _provider.GetRequiredService<IMeterFactory>();

        public async ValueTask DisposeAsync()
        {
            await _provider.DisposeAsync();
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>A clock whose timers never fire: the renewals of a process that stopped.</summary>
    private sealed class TimersNeverFire : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => default;
        }
    }

    /// <summary>Listens to the relay's meter in this process: counters summed, gauges read on demand.</summary>
    private sealed class MetricsRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new();
        private readonly ConcurrentDictionary<(string, object?), long> _observed = new();

        public MetricsRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EmailRelay.ServiceDefaults.ServiceDefaultsExtensions.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _observed[(instrument.Name, instrument.Meter.Scope)] = value);
            _listener.Start();
        }

        public long Sum(string name) => _sums.GetValueOrDefault(name);

        public long Observe(string name, IMeterFactory scope)
        {
            _listener.RecordObservableInstruments();
            return _observed.GetValueOrDefault((name, scope));
        }

        public void Dispose() => _listener.Dispose();
    }
}
