using Npgsql;

namespace EmailRelay.Tracking.Events;

/// <summary>
/// Writes a sample of the transaction clock to <c>event_clock</c> (migration 0005): a tx id is
/// handed out first, the time read after it, so every transaction that starts after that time has
/// a larger id. <c>GET /v1/events?since=</c> starts its index scan at the last sample before the
/// time it names. Every replica may write samples; more samples only make the bound tighter.
/// </summary>
public sealed class EventClock(NpgsqlDataSource dataSource)
{
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var tx = new NpgsqlCommand("SELECT pg_current_xact_id()::text", connection, transaction);
        var id = (string)(await tx.ExecuteScalarAsync(cancellationToken))!;
        await using var sample = new NpgsqlCommand(
            "INSERT INTO event_clock (at, tx) VALUES (clock_timestamp(), $1::xid8) ON CONFLICT DO NOTHING", connection, transaction);
        sample.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await sample.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
