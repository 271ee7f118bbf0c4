using Dapper;
using Npgsql;

namespace EmailRelay.Data;

public static class RelayDataSource
{
    static RelayDataSource()
    {
        // Columns are snake_case, C# properties PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    /// <summary>
    /// The key of the data source whose sessions plan every execution for its parameters
    /// (plan_cache_mode = force_custom_plan). For the group-commit statements, which take arrays of
    /// rows: a cached generic plan keeps the table sizes of when it was made, and one made while a
    /// table was young reads the whole table for every group long after it has grown (seen in the
    /// benchmark: a seq scan of recipients per record, 2 ms at 9,000 rows). Planning per execution
    /// sees the table's current size; it is paid once per group, not once per message.
    /// </summary>
    public const string CustomPlans = "custom-plans";

    public static NpgsqlDataSource Create(string connectionString, bool customPlans = false)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
        if (customPlans)
        {
            settings.Options = $"{settings.Options} -c plan_cache_mode=force_custom_plan".Trim();
            // Its users keep two statements in flight each (GroupCommit): a few connections are all
            // it ever needs, and every one counts against the server's max_connections.
            settings.MaxPoolSize = Math.Min(settings.MaxPoolSize, 8);
            settings.MinPoolSize = Math.Min(settings.MinPoolSize, settings.MaxPoolSize);
        }
        // Unless the connection string says otherwise: the same few statements run for every
        // message, so plan them once per connection instead of on every execution...
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }
        // ...and no session state is ever left on a connection (no temp tables, no SET), so the
        // DISCARD ALL round trip on every return to the pool buys nothing.
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            settings.NoResetOnClose = true;
        }
        return builder.Build();
    }
}
