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
        builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
        return builder.Build();
    }
}
