using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Tracking.Retention;

public sealed class RetentionMetrics
{
    private readonly Counter<long> _rows;
    private readonly Counter<long> _partitions;

    public RetentionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _rows = meter.CreateCounter<long>("emailrelay.retention.rows_pruned", description: "Rows deleted by retention; table: which");
        _partitions = meter.CreateCounter<long>("emailrelay.retention.partitions",
            description: "History partitions made ahead (action=created) or dropped past retention (action=dropped)");
    }

    public void Pruned(string table, long rows) => _rows.Add(rows, new KeyValuePair<string, object?>("table", table));

    public void Partitions(string action, long count) => _partitions.Add(count, new KeyValuePair<string, object?>("action", action));
}
