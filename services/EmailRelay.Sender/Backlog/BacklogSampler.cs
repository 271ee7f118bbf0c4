using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.Sender.Backlog;

/// <summary>
/// Samples, per recipient domain, how long the oldest message still owed to it has waited
/// (<c>emailrelay.backlog.oldest_pending_age</c>, seconds, tagged <c>destination</c>): the number an
/// operator watches to see one destination stall while the others flow. Read from PostgreSQL, so every replica reports the whole
/// cluster's backlog, not its own share.
/// </summary>
public sealed partial class BacklogSampler : BackgroundService
{
    // Pending messages are found through message_states_status (status, message_id); their recipients
    // still owed are grouped by domain. Bounded by MaxDestinations, oldest first.
    private const string OldestPendingSql = """
        SELECT r.domain, min(m.created_at) AS oldest
        FROM message_states s JOIN messages m ON m.id = s.message_id JOIN recipients r ON r.message_id = s.message_id
        WHERE s.status IN ('queued', 'sending', 'deferred')
          AND r.status IN ('queued', 'sending', 'deferred')
        GROUP BY r.domain
        ORDER BY oldest
        LIMIT $1
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly BacklogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BacklogSampler> _logger;
    private IReadOnlyList<(string Domain, DateTimeOffset Oldest)> _latest = [];

    public BacklogSampler(NpgsqlDataSource dataSource, IOptions<BacklogOptions> options, TimeProvider time, IMeterFactory meters,
        ILogger<BacklogSampler> logger)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _time = time;
        _logger = logger;
        meters.Create(ServiceDefaultsExtensions.MeterName).CreateObservableGauge("emailrelay.backlog.oldest_pending_age", Observe, unit: "s",
            description: "Per recipient domain: how long the oldest message still owed to it has waited since it was accepted (sampled)");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.SampleInterval <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(_options.SampleInterval, _time);
        do
        {
            try
            {
                _latest = await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // A metric, not a duty: the next tick tries again; the last sample stays meanwhile.
                LogSampleFailed(_logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<IReadOnlyList<(string Domain, DateTimeOffset Oldest)>> SampleAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(OldestPendingSql);
        command.Parameters.Add(EmailRelay.Data.NpgsqlShorthand.P(_options.MaxDestinations));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return rows;
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        var now = _time.GetUtcNow();
        foreach (var (domain, oldest) in _latest)
        {
            var age = Math.Max(0, (now - oldest).TotalSeconds);
            yield return new Measurement<double>(age, new KeyValuePair<string, object?>("destination", domain));
        }
    }

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Sampling the backlog per destination failed: {Error}")]
    private static partial void LogSampleFailed(ILogger logger, string error);
}
