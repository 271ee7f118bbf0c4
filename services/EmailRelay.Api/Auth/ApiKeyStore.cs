using System.Collections.Concurrent;
using Dapper;
using Npgsql;

namespace EmailRelay.Api.Auth;

/// <summary>
/// Times are UTC <see cref="DateTime"/>s, as Npgsql reads timestamptz. Classes rather than
/// positional records: Dapper matches constructors only on exact column types, and text[] is System.Array.
/// </summary>
public sealed class ApiKeyRecord
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Prefix { get; init; } = "";
    public string[] Scopes { get; init; } = [];
    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
}

public sealed class ActiveKey
{
    public Guid Id { get; init; }
    public string[] Scopes { get; init; } = [];
}

public sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    // last_used_at is for operators, not auditing: writing it at most once a minute per key keeps
    // a write off every request.
    private static readonly TimeSpan LastUsedGranularity = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _lastUsedWritten = new();

    public async Task<ActiveKey?> FindActiveAsync(byte[] hash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var key = await connection.QuerySingleOrDefaultAsync<ActiveKey>(new CommandDefinition(
            "SELECT id, scopes FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
            new { hash }, cancellationToken: cancellationToken));
        if (key is not null)
        {
            await TouchAsync(connection, key.Id, cancellationToken);
        }
        return key;
    }

    private async Task TouchAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_lastUsedWritten.TryGetValue(id, out var written) && now - written < LastUsedGranularity)
        {
            return;
        }
        _lastUsedWritten[id] = now;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET last_used_at = @now WHERE id = @id", new { id, now }, cancellationToken: cancellationToken));
    }

    public async Task<ApiKeyRecord> CreateAsync(string name, string[] scopes, string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = new ApiKeyRecord
        {
            Id = Guid.CreateVersion7(now), Name = name, Prefix = ApiKeyFormat.DisplayPrefix(key), Scopes = scopes, CreatedAt = now.UtcDateTime,
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at)
            VALUES (@Id, @Name, @Prefix, @Hash, @Scopes, @CreatedAt)
            """,
            new { record.Id, record.Name, record.Prefix, Hash = ApiKeyFormat.Hash(key), record.Scopes, record.CreatedAt },
            cancellationToken: cancellationToken));
        return record;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition(
            "SELECT id, name, prefix, scopes, created_at, revoked_at, last_used_at FROM api_keys ORDER BY id",
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <returns>false when no such key exists.</returns>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id",
            new { id, now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return rows > 0;
    }
}
