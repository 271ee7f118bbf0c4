using System.Text.Json;
using Dapper;
using EmailRelay.Api.Http;
using Npgsql;

namespace EmailRelay.Api.Domains;

/// <summary>
/// The sending_domains and dkim_keys tables as the API manages them. Every statement takes the
/// caller's project (null: an operator, every project) and filters by it in SQL, so a project key
/// never sees, checks or deletes another project's domain. A retiring key past its retire_after
/// is marked retired whenever its domain is read, and is no longer listed.
/// </summary>
public sealed class DomainStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string DomainColumns =
        "id, project_id, name, status, verification_token, created_at, verified_at, last_checked_at, last_check::text AS last_check";

    private const string KeyColumns = "id, domain_id, selector, public_key, state, created_at, activated_at, retire_after";

    /// <summary>Whether the project already has the domain: checked before a key pair is made for nothing.</summary>
    public async Task<bool> ExistsAsync(Guid project, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM sending_domains WHERE project_id = @project AND name = @name)",
            new { project, name }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The domain and its first key in one statement: either both are stored or neither.
    /// </summary>
    /// <returns>false when the project has the domain already (nothing stored).</returns>
    public async Task<bool> CreateAsync(Guid domainId, Guid project, string name, string token, Guid keyId, string selector, string publicKey,
        byte[] sealedPrivateKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var stored = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            WITH domain AS (
                INSERT INTO sending_domains (id, project_id, name, status, verification_token, created_at)
                VALUES (@domainId, @project, @name, 'pending', @token, @now)
                ON CONFLICT (project_id, name) DO NOTHING
                RETURNING id
            )
            INSERT INTO dkim_keys (id, domain_id, selector, public_key, private_key, state, created_at)
            SELECT @keyId, id, @selector, @publicKey, @sealedPrivateKey, 'pending', @now FROM domain
            RETURNING domain_id
            """,
            new { domainId, project, name, token, keyId, selector, publicKey, sealedPrivateKey, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return stored is not null;
    }

    public async Task<SendingDomain?> GetAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var domain = await connection.QuerySingleOrDefaultAsync<SendingDomainRow>(new CommandDefinition(
            $"SELECT {DomainColumns} FROM sending_domains WHERE id = @id {InProject(project)}",
            new { id, project }, cancellationToken: cancellationToken));
        return domain is null ? null : (await WithKeysAsync(connection, [domain], cancellationToken))[0];
    }

    /// <summary>Domains in id (creation) order after <paramref name="after"/>: one page and the cursor of the next.</summary>
    public async Task<(IReadOnlyList<SendingDomain> Page, string? NextCursor)> ListAsync(Guid? project, Guid? after, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<SendingDomainRow>(new CommandDefinition(
            $"""
            SELECT {DomainColumns} FROM sending_domains
            WHERE (@after::uuid IS NULL OR id > @after) {InProject(project)}
            ORDER BY id LIMIT @limit
            """,
            new { project, after, limit = limit + 1 }, cancellationToken: cancellationToken))).AsList();
        var next = KeysetPage.TrimToPage(rows, limit, r => Cursor.Encode(r.Id));
        return (await WithKeysAsync(connection, rows, cancellationToken), next);
    }

    /// <returns>The project the domain belonged to, or null when there is no such domain in the project. Its keys go with it (ON DELETE CASCADE).</returns>
    public async Task<Guid?> DeleteAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            $"DELETE FROM sending_domains WHERE id = @id {InProject(project)} RETURNING project_id", new { id, project },
            cancellationToken: cancellationToken));
    }

    /// <summary>Every selector the domain has had, retired ones too: a new key never takes one again.</summary>
    public async Task<IReadOnlyCollection<string>> SelectorsAsync(Guid domainId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT selector FROM dkim_keys WHERE domain_id = @domainId", new { domainId }, cancellationToken: cancellationToken))).ToHashSet();
    }

    /// <summary>
    /// Adds a rotation's new key, pending until its record is found.
    /// </summary>
    /// <returns>false when the domain has a pending key already (a rotation in progress, or a new domain's first key).</returns>
    public async Task<bool> AddPendingKeyAsync(Guid domainId, Guid keyId, string selector, string publicKey, byte[] sealedPrivateKey,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The domain row is the lock that makes "no pending key yet, so add one" one step for concurrent rotations.
        await connection.ExecuteAsync(new CommandDefinition("SELECT 1 FROM sending_domains WHERE id = @domainId FOR UPDATE",
            new { domainId }, transaction, cancellationToken: cancellationToken));
        var added = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO dkim_keys (id, domain_id, selector, public_key, private_key, state, created_at)
            SELECT @keyId, @domainId, @selector, @publicKey, @sealedPrivateKey, 'pending', @now
            WHERE NOT EXISTS (SELECT 1 FROM dkim_keys WHERE domain_id = @domainId AND state = 'pending')
            """,
            new { domainId, keyId, selector, publicKey, sealedPrivateKey, now = time.GetUtcNow() }, transaction,
            cancellationToken: cancellationToken)) > 0;
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    /// <summary>
    /// Records a check: the results, the status they imply, and the activation of the pending key
    /// whose record was found — the key it replaces turns retiring until now + <paramref name="retireAfter"/>.
    /// One transaction under the domain's row lock, so two checks at once cannot both swap keys.
    /// </summary>
    /// <returns>false when the domain was deleted meanwhile.</returns>
    public async Task<bool> SaveCheckAsync(Guid domainId, DomainCheck check, TimeSpan retireAfter, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var locked = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM sending_domains WHERE id = @domainId FOR UPDATE", new { domainId }, transaction, cancellationToken: cancellationToken));
        if (locked is null)
        {
            return false;
        }
        if (check.ActivateKeyId is { } keyId)
        {
            // The old key first: at most one active key per domain (dkim_keys_one_active). Both only if
            // the key is still pending, so a second check that found the same record changes nothing.
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE dkim_keys SET state = 'retiring', retire_after = @retireAt
                WHERE domain_id = @domainId AND state = 'active'
                  AND EXISTS (SELECT 1 FROM dkim_keys WHERE id = @keyId AND domain_id = @domainId AND state = 'pending');
                UPDATE dkim_keys SET state = 'active', activated_at = @now WHERE id = @keyId AND domain_id = @domainId AND state = 'pending';
                """,
                new { domainId, keyId, now, retireAt = now + retireAfter }, transaction, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sending_domains SET
                last_checked_at = @now,
                last_check = @lastCheck::jsonb,
                status = CASE WHEN @verified::boolean IS NULL THEN status WHEN @verified::boolean THEN 'verified' ELSE 'pending' END,
                verified_at = CASE WHEN @verified::boolean AND verified_at IS NULL THEN @now ELSE verified_at END
            WHERE id = @domainId
            """,
            new { domainId, now, lastCheck = JsonSerializer.Serialize(check.Records, JsonBody.Options), verified = check.Verified }, transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The domains' listed keys, retiring keys past their time marked retired first.</summary>
    private async Task<IReadOnlyList<SendingDomain>> WithKeysAsync(NpgsqlConnection connection, List<SendingDomainRow> domains,
        CancellationToken cancellationToken)
    {
        if (domains.Count == 0)
        {
            return [];
        }
        var ids = domains.Select(d => d.Id).ToArray();
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE dkim_keys SET state = 'retired' WHERE domain_id = ANY(@ids) AND state = 'retiring' AND retire_after <= @now",
            new { ids, now }, cancellationToken: cancellationToken));
        var keys = (await connection.QueryAsync<DkimKeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM dkim_keys WHERE domain_id = ANY(@ids) AND state <> 'retired' ORDER BY created_at, id",
            new { ids }, cancellationToken: cancellationToken))).ToLookup(k => k.DomainId);
        return domains.Select(d => new SendingDomain(d, keys[d.Id].ToList())).ToList();
    }

    private static string InProject(Guid? project) => project is null ? "" : "AND project_id = @project";
}
