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

    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
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
