using EmailRelay.IntegrationTests.Infrastructure;
using Npgsql;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>
/// Holds a SHARE lock on <c>messages</c> in a transaction of its own, so an accept request stops at
/// its INSERT — mid-request, after its Idempotency-Key claim and before its commit — until disposed.
/// </summary>
public sealed class StoreStall : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private StoreStall(TestDatabase database, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _database = database;
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<StoreStall> BeginAsync(TestDatabase database)
    {
        var connection = await database.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE messages IN SHARE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }
        return new StoreStall(database, connection, transaction);
    }

    /// <summary>Waits until a backend of the API is blocked inserting a message; returns its pid.</summary>
    public async Task<int> WaitForBlockedInsertAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            // Found by the lock it waits for, not by its text: pg_stat_activity keeps only the first
            // 1 KB of a query (track_activity_query_size), and the accept statement is longer.
            var pid = await _database.ScalarAsync<int>(
                """
                SELECT coalesce(min(pid), 0) FROM pg_locks
                WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND relation = 'messages'::regclass AND mode = 'RowExclusiveLock' AND NOT granted
                """);
            if (pid != 0)
            {
                return pid;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("No request reached the stalled INSERT within 20 s.");
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.RollbackAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
