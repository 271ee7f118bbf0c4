using Dapper;
using EmailRelay.Api.Http;
using Npgsql;

namespace EmailRelay.Api.Suppressions;

/// <summary>
/// The suppressions table as the API manages it. Every statement names the project (or, for an
/// operator's list, filters by it when given) in SQL. Addresses are folded with PostgreSQL's
/// lower(), as the accept statement's check folds them. An expired entry no longer applies: the
/// list leaves it out, a new suppression of the address replaces it, and deleting it is a 404.
/// </summary>
public sealed class SuppressionStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns =
        "address AS email, reason, source_event_id, source_message_id AS source_email_id, created_at, expires_at, project_id";

    private const string Active = "(expires_at IS NULL OR expires_at > @now)";

    public async Task<(IReadOnlyList<Suppression> Page, string? NextCursor)> ListAsync(SuppressionFilter filter, CancellationToken cancellationToken)
    {
        var conditions = new List<string> { Active };
        var parameters = new DynamicParameters(new { now = time.GetUtcNow(), limit = filter.Limit + 1 });
        if (filter.Project is { } project)
        {
            conditions.Add("project_id = @project");
            parameters.Add("project", project);
        }
        if (filter.Email is not null)
        {
            conditions.Add("address = lower(@email)");
            parameters.Add("email", filter.Email);
        }
        if (filter.Reason is not null)
        {
            conditions.Add("reason = @reason");
            parameters.Add("reason", filter.Reason);
        }
        if (filter.After is { } after)
        {
            // Within one project the order is (created_at, address), the index's; across projects
            // it is (created_at, project_id, address).
            conditions.Add(filter.Project is null
                ? "(created_at, project_id, address) < (@afterAt, @afterProject, @afterAddress)"
                : "(created_at, address) < (@afterAt, @afterAddress)");
            parameters.Add("afterAt", after.CreatedAt);
            parameters.Add("afterProject", after.ProjectId);
            parameters.Add("afterAddress", after.Address);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Suppression>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM suppressions
            WHERE {string.Join(" AND ", conditions)}
            ORDER BY created_at DESC, project_id DESC, address DESC LIMIT @limit
            """, parameters, cancellationToken: cancellationToken))).AsList();
        var next = KeysetPage.TrimToPage(rows, filter.Limit, SuppressionCursor.Encode);
        return (rows, next);
    }

    /// <summary>
    /// Suppresses <paramref name="address"/> in <paramref name="project"/> (reason manual), unless it
    /// already is: then the entry in force is returned unchanged, whatever its reason, so that an
    /// automatic entry keeps the bounce or complaint that caused it.
    /// </summary>
    /// <returns>The entry in force, and whether this call created it.</returns>
    public async Task<(Suppression Entry, bool Created)> CreateAsync(Guid project, string address, DateTimeOffset? expiresAt,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Twice at most: an entry committed by another request between this statement's snapshot
        // and its insert is neither inserted over nor visible to it; the second run sees it.
        for (var run = 0; ; run++)
        {
            var row = await connection.QuerySingleOrDefaultAsync<CreatedRow>(new CommandDefinition(
                $"""
                WITH upserted AS (
                    INSERT INTO suppressions (project_id, address, reason, created_at, expires_at)
                    VALUES (@project, lower(@address), @reason, @now, @expiresAt)
                    ON CONFLICT (project_id, address) DO UPDATE
                        SET reason = excluded.reason, source_event_id = NULL, source_message_id = NULL,
                            created_at = excluded.created_at, expires_at = excluded.expires_at
                        WHERE suppressions.expires_at IS NOT NULL AND suppressions.expires_at <= @now
                    RETURNING {Columns}
                )
                SELECT *, true AS created FROM upserted
                UNION ALL
                SELECT {Columns}, false FROM suppressions
                WHERE project_id = @project AND address = lower(@address) AND NOT EXISTS (SELECT 1 FROM upserted)
                """,
                new { project, address, reason = SuppressionReasons.Manual, now = time.GetUtcNow(), expiresAt = expiresAt?.ToUniversalTime() },
                cancellationToken: cancellationToken));
            if (row is not null || run == 1)
            {
                return row is null
                    ? throw new InvalidOperationException($"The suppression of {address} in project {project} was neither created nor found.")
                    : (new Suppression(row.Email, row.Reason, row.SourceEventId, row.SourceEmailId, row.CreatedAt, row.ExpiresAt, row.ProjectId), row.Created);
            }
        }
    }

    /// <returns>false when <paramref name="address"/> has no suppression in force in <paramref name="project"/>.</returns>
    public async Task<bool> DeleteAsync(Guid project, string address, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // An expired leftover goes too, but was not in force: that is a 404 like no entry at all.
        var active = await connection.QueryAsync<bool>(new CommandDefinition(
            $"DELETE FROM suppressions WHERE project_id = @project AND address = lower(@address) RETURNING {Active}",
            new { project, address, now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return active.Any(a => a);
    }

    // A class, not a positional record: Dapper maps by name to settable properties.
    private sealed class CreatedRow
    {
        public string Email { get; init; } = "";
        public string Reason { get; init; } = "";
        public Guid? SourceEventId { get; init; }
        public Guid? SourceEmailId { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public Guid ProjectId { get; init; }
        public bool Created { get; init; }
    }
}
