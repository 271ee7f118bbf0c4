using Dapper;
using Npgsql;

namespace EmailRelay.Api.Projects;

/// <summary>The projects table. Names are unique; the store reports a taken name instead of throwing.</summary>
public sealed class ProjectStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = "id, name, rate_limit_per_second, rate_limit_burst, created_at";

    /// <returns>null when the name is taken.</returns>
    public async Task<ProjectRecord?> CreateAsync(string name, RateLimitSetting? rateLimit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ProjectRecord>(new CommandDefinition(
            $"""
            INSERT INTO projects (id, name, rate_limit_per_second, rate_limit_burst, created_at)
            VALUES (@id, @name, @perSecond, @burst, @now)
            ON CONFLICT (name) DO NOTHING
            RETURNING {Columns}
            """,
            new { id = Guid.CreateVersion7(now), name, perSecond = rateLimit?.PerSecond, burst = rateLimit?.Burst, now },
            cancellationToken: cancellationToken));
    }

    public async Task<ProjectRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ProjectRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM projects WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM projects WHERE id = @id)", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Projects in id order (creation order), after <paramref name="after"/>, at most <paramref name="limit"/> + 1 to tell if more follow.</summary>
    public async Task<IReadOnlyList<ProjectRecord>> ListAsync(Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ProjectRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM projects WHERE @after::uuid IS NULL OR id > @after ORDER BY id LIMIT @limit",
            new { after, limit = limit + 1 }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Applies the changes given; a rate limit set to null goes back to the default.</summary>
    /// <returns>The updated project (null when there is none), or that the new name is taken.</returns>
    public async Task<UpdateResult> UpdateAsync(Guid id, ProjectChanges changes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var project = await connection.QuerySingleOrDefaultAsync<ProjectRecord>(new CommandDefinition(
                $"""
                UPDATE projects SET
                    name = coalesce(@name, name),
                    rate_limit_per_second = CASE WHEN @setRate THEN @perSecond ELSE rate_limit_per_second END,
                    rate_limit_burst = CASE WHEN @setRate THEN @burst ELSE rate_limit_burst END
                WHERE id = @id
                RETURNING {Columns}
                """,
                new { id, name = changes.Name, setRate = changes.SetsRateLimit, perSecond = changes.RateLimit?.PerSecond, burst = changes.RateLimit?.Burst },
                cancellationToken: cancellationToken));
            return new UpdateResult(project, NameTaken: false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // The unique index is the one judge of a taken name, whatever runs concurrently.
            return new UpdateResult(null, NameTaken: true);
        }
    }

    public sealed record UpdateResult(ProjectRecord? Project, bool NameTaken);
}
