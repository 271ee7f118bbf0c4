using EmailRelay.Data;
using Npgsql;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>A fresh, migrated database for one stack, dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var name = "relay_test_" + Guid.NewGuid().ToString("N")[..10];
        await using (var admin = NpgsqlDataSource.Create(TestSettings.PostgresAdmin))
        await using (var command = admin.CreateCommand($"CREATE DATABASE {name}"))
        {
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(TestSettings.PostgresAdmin) { Database = name };
        var database = new TestDatabase(name, builder.ConnectionString);
        if (migrate)
        {
            await Migrator.MigrateAsync(database.DataSource, CancellationToken.None);
        }
        return database;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(TestSettings.PostgresAdmin);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // FORCE ends the sessions a killed service left behind. It refuses when an
                // autovacuum worker is in the database (PostgreSQL 15 checks the worker's role, which
                // is none), while a plain DROP stops such a worker itself: the two take turns.
                await using var command = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name}{(attempt % 2 == 1 ? " WITH (FORCE)" : "")}");
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }
}
