using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.Api.Domains;

/// <summary>
/// A project's verified domains, for the accept path. PostgreSQL is the truth; each API process
/// keeps a project's list for <see cref="SendersOptions.VerifiedDomainCacheDuration"/> so a busy
/// sender costs no query per email. A miss is one query on the (project_id, name) index.
/// </summary>
public sealed class VerifiedDomains(NpgsqlDataSource dataSource, TimeProvider time, IOptions<SendersOptions> options)
{
    private readonly ConcurrentDictionary<Guid, Entry> _cache = new();

    /// <summary>The project's verified domains; <paramref name="fresh"/>: read now, whatever is cached.</summary>
    public async Task<IReadOnlySet<string>> GetAsync(Guid project, bool fresh, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!fresh && _cache.TryGetValue(project, out var cached) && cached.Expires > now)
        {
            return cached.Names;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var names = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM sending_domains WHERE project_id = @project AND status = 'verified'",
            new { project }, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        var duration = options.Value.VerifiedDomainCacheDuration;
        if (duration > TimeSpan.Zero)
        {
            _cache[project] = new Entry(names, now + duration);
        }
        return names;
    }

    /// <summary>This process's copy is dropped at once when the project's domains change here; other replicas see it within the cache duration.</summary>
    public void Forget(Guid project) => _cache.TryRemove(project, out _);

    private sealed record Entry(IReadOnlySet<string> Names, DateTimeOffset Expires);
}
