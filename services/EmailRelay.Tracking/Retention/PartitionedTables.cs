namespace EmailRelay.Tracking.Retention;

/// <summary>The append-only history, partitioned by week (migrations 0005, 0006): table and partition key.</summary>
public static class PartitionedTables
{
    public static readonly IReadOnlyList<(string Table, string Key)> All =
    [
        ("events", "occurred_at"),
        ("delivery_attempts", "started_at"),
        ("webhook_deliveries", "created_at"),
        ("webhook_attempts", "attempted_at"),
    ];
}
