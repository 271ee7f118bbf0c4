using System.Collections.Concurrent;
using Dapper;
using Npgsql;

namespace EmailRelay.Api.Auth;

/// <summary>
/// The api_keys table. Every read and revoke takes the caller's project (null: an operator, every
/// project) and filters by it in SQL, so a project key can never list or revoke another project's key.
/// </summary>
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
            "SELECT id, scopes, project_id FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
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

    public async Task<ApiKeyRecord> CreateAsync(string name, string[] scopes, Guid? projectId, string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = new ApiKeyRecord
        {
            Id = Guid.CreateVersion7(now), Name = name, Prefix = ApiKeyFormat.DisplayPrefix(key), Scopes = scopes, ProjectId = projectId,
            CreatedAt = now.UtcDateTime,
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, name, prefix, key_hash, scopes, project_id, created_at)
            VALUES (@Id, @Name, @Prefix, @Hash, @Scopes, @ProjectId, @CreatedAt)
            """,
            new { record.Id, record.Name, record.Prefix, Hash = ApiKeyFormat.Hash(key), record.Scopes, record.ProjectId, record.CreatedAt },
            cancellationToken: cancellationToken));
        return record;
    }

    /// <param name="projectId">Only this project's keys; null lists every key (an operator's view).</param>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(Guid? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition(
            $"""
            SELECT id, name, prefix, scopes, project_id, created_at, revoked_at, last_used_at FROM api_keys
            {(projectId is null ? "" : "WHERE project_id = @projectId")}
            ORDER BY id
            """,
            new { projectId }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <returns>false when no such key exists in <paramref name="projectId"/> (null: in any project).</returns>
    public async Task<bool> RevokeAsync(Guid id, Guid? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, @now)
            WHERE id = @id {(projectId is null ? "" : "AND project_id = @projectId")}
            """,
            new { id, projectId, now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return rows > 0;
    }
}
