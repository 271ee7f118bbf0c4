using Npgsql;

namespace EmailRelay.Api.Idempotency;

/// <summary>
/// The answer to one Idempotency-Key lookup. For <see cref="IdempotencyOutcome.Proceed"/> it holds
/// the open transaction — with the key's advisory lock — in which the request must store its work
/// and its response. Disposing it without <see cref="CommitAsync"/> rolls back, and the lock goes
/// with the transaction: a request that fails, or whose connection dies, leaves the key free.
/// </summary>
public sealed class IdempotencyClaim : IAsyncDisposable
{
    private readonly NpgsqlConnection? _connection;

    internal IdempotencyClaim(IdempotencyOutcome outcome, string owner, string key, byte[] requestHash,
        NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null, StoredResponse? stored = null)
    {
        Outcome = outcome;
        Owner = owner;
        Key = key;
        RequestHash = requestHash;
        _connection = connection;
        Transaction = transaction;
        Stored = stored;
    }

    public IdempotencyOutcome Outcome { get; }
    public string Owner { get; }
    public string Key { get; }
    public byte[] RequestHash { get; }

    /// <summary>Set for <see cref="IdempotencyOutcome.Proceed"/> only.</summary>
    public NpgsqlTransaction? Transaction { get; }

    /// <summary>Set for <see cref="IdempotencyOutcome.Replay"/> only.</summary>
    public StoredResponse? Stored { get; }

    public Task CommitAsync(CancellationToken cancellationToken) =>
        (Transaction ?? throw new InvalidOperationException("Only a claim to proceed has a transaction.")).CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null)
        {
            await Transaction.DisposeAsync();
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}

/// <summary>The response a completed request gave, replayed byte for byte.</summary>
public sealed record StoredResponse(int StatusCode, string? Location, byte[] Body);
