using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// Each project's send rate (API.md §Rate limits): a token bucket counted in emails, kept in
/// PostgreSQL so that every API replica takes from the same bucket.
/// </summary>
/// <remarks>
/// Written here rather than with System.Threading.RateLimiting's TokenBucketRateLimiter: that
/// limiter keeps its tokens in process memory, so N replicas would grant N times the rate; the
/// library has no shared-store backend. The in-process limiter is used where per-process state is
/// right (the per-key concurrency cap, <see cref="RateLimitingServiceExtensions"/>).
/// </remarks>
public sealed class ProjectRateLimiter(NpgsqlDataSource dataSource, IOptions<RateLimitOptions> options)
{
    // One atomic statement per request. The upsert creates a missing bucket full (a new project,
    // or the unlogged table emptied by a crash) and otherwise runs DO UPDATE under the row lock
    // on the latest row version, so concurrent requests on every replica are serialised by
    // PostgreSQL and no token is counted twice.
    //
    // Time is the database's clock_timestamp(), read inside DO UPDATE after the row lock is
    // taken: one clock for all replicas (theirs differ, and a replica whose clock runs ahead would
    // mint tokens for the others), and read after the previous holder committed, so elapsed time
    // is never negative unless the server's clock steps back (GREATEST clamps that). now() would
    // be the statement's start, before any wait for the lock.
    //
    // The debt rule: a request is admitted when the bucket holds its cost or, for a request larger
    // than the burst, when the bucket is full; it then takes its whole cost, leaving the bucket
    // negative until the rate has paid the excess back. No request is refused forever, and over
    // time no project sends faster than its rate. A refusal takes nothing: nothing is stored.
    private const string AcquireSql =
        """
        WITH policy AS (
            SELECT COALESCE(p.rate_limit_per_second, $3) AS rate,
                   COALESCE(p.rate_limit_burst, $4)::double precision AS burst
            FROM (SELECT $1::uuid AS id) AS request LEFT JOIN projects p ON p.id = request.id
        )
        INSERT INTO rate_limit_buckets AS b (project_id, tokens, updated_at, last_admitted)
        SELECT $1, policy.burst - $2, clock_timestamp(), true FROM policy
        ON CONFLICT (project_id) DO UPDATE SET (tokens, updated_at, last_admitted) = (
            SELECT CASE WHEN r.admit THEN r.tokens - $2 ELSE r.tokens END, r.now, r.admit
            FROM (SELECT t.tokens, t.now, ($2 = 0 OR t.tokens >= LEAST($2, policy.burst)) AS admit
                  FROM policy,
                       LATERAL (SELECT clock_timestamp() AS now) AS c,
                       LATERAL (SELECT LEAST(policy.burst, b.tokens + policy.rate
                                             * GREATEST(0, EXTRACT(epoch FROM c.now - b.updated_at))::double precision) AS tokens,
                                       c.now) AS t) AS r)
        RETURNING b.last_admitted, b.tokens, (SELECT rate FROM policy), (SELECT burst FROM policy)::integer
        """;

    /// <summary>
    /// Takes <paramref name="emails"/> tokens from the project's bucket if it holds enough (see the
    /// debt rule above); a cost of 0 is always admitted and only reports the bucket.
    /// </summary>
    public async Task<RateLimitDecision> AcquireAsync(Guid projectId, int emails, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(emails);
        var defaults = options.Value;
        await using var command = dataSource.CreateCommand(AcquireSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = projectId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = emails });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = defaults.PerSecond });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = defaults.Burst });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new RateLimitDecision(reader.GetBoolean(0), emails, reader.GetDouble(1), reader.GetDouble(2), reader.GetInt32(3));
    }
}
