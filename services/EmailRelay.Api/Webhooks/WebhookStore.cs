using Dapper;
using EmailRelay.Webhooks;
using Npgsql;

namespace EmailRelay.Api.Webhooks;

/// <summary>
/// The webhook_endpoints table. Every read and change takes the caller's project (null: an
/// operator, every project) and filters by it in SQL, so a project key never sees another
/// project's endpoint. Deleted endpoints keep their rows (their deliveries' history) but are gone
/// for the API.
/// </summary>
public sealed class WebhookStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns =
        "id, project_id, url, description, event_types, enabled, disabled_reason, previous_expires_at, created_at, updated_at";

    public async Task<(WebhookRecord Endpoint, string Secret)> CreateAsync(Guid projectId, string url, string? description, string[] eventTypes,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var secret = WebhookSecret.New();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var endpoint = await connection.QuerySingleAsync<WebhookRecord>(new CommandDefinition(
            $"""
            INSERT INTO webhook_endpoints (id, project_id, url, description, event_types, secret, created_at, updated_at)
            VALUES (@id, @projectId, @url, @description, @eventTypes, @secret, @now, @now)
            RETURNING {Columns}
            """,
            new { id = Guid.CreateVersion7(now), projectId, url, description, eventTypes, secret, now }, cancellationToken: cancellationToken));
        return (endpoint, secret);
    }

    public async Task<WebhookRecord?> GetAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<WebhookRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM webhook_endpoints WHERE id = @id AND deleted_at IS NULL {InProject(project)}",
            new { id, project }, cancellationToken: cancellationToken));
    }

    /// <summary>Endpoints in id (creation) order after <paramref name="after"/>, at most <paramref name="limit"/> + 1 to tell if more follow.</summary>
    public async Task<IReadOnlyList<WebhookRecord>> ListAsync(Guid? project, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<WebhookRecord>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM webhook_endpoints
            WHERE deleted_at IS NULL {InProject(project)} AND (@after::uuid IS NULL OR id > @after)
            ORDER BY id LIMIT @limit
            """,
            new { project, after, limit = limit + 1 }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Applies the changes given. Enabling clears the reason the endpoint was disabled; disabling
    /// an enabled endpoint records that it was done through the API.
    /// </summary>
    public async Task<WebhookRecord?> UpdateAsync(Guid id, Guid? project, WebhookChanges changes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<WebhookRecord>(new CommandDefinition(
            $"""
            UPDATE webhook_endpoints SET
                url = coalesce(@url, url),
                event_types = coalesce(@eventTypes, event_types),
                description = CASE WHEN @setsDescription THEN @description ELSE description END,
                disabled_reason = CASE WHEN @enabled IS NULL THEN disabled_reason
                                       WHEN @enabled THEN NULL
                                       WHEN enabled THEN 'disabled through the API'
                                       ELSE disabled_reason END,
                enabled = coalesce(@enabled, enabled),
                updated_at = @now
            WHERE id = @id AND deleted_at IS NULL {InProject(project)}
            RETURNING {Columns}
            """,
            new
            {
                id, project, url = changes.Url, eventTypes = changes.EventTypes, setsDescription = changes.SetsDescription,
                description = changes.Description, enabled = changes.Enabled, now = time.GetUtcNow(),
            },
            cancellationToken: cancellationToken));
    }

    /// <returns>false when there is no such endpoint in the project.</returns>
    public async Task<bool> DeleteAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE webhook_endpoints SET deleted_at = @now, updated_at = @now WHERE id = @id AND deleted_at IS NULL {InProject(project)}",
            new { id, project, now }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// A new secret; the one it replaces keeps signing until <paramref name="grace"/> from now (a
    /// secret replaced before is dropped: only the last two ever sign).
    /// </summary>
    public async Task<(WebhookRecord Endpoint, string Secret)?> RotateSecretAsync(Guid id, Guid? project, TimeSpan grace,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var secret = WebhookSecret.New();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var endpoint = await connection.QuerySingleOrDefaultAsync<WebhookRecord>(new CommandDefinition(
            $"""
            UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = @expires, secret = @secret, updated_at = @now
            WHERE id = @id AND deleted_at IS NULL {InProject(project)}
            RETURNING {Columns}
            """,
            new { id, project, secret, expires = now + grace, now }, cancellationToken: cancellationToken));
        return endpoint is null ? null : (endpoint, secret);
    }

    private static string InProject(Guid? project) => project is null ? "" : "AND project_id = @project";
}
