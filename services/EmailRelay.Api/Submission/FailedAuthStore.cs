using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.Api.Submission;

/// <summary>
/// Failed logins per client address in PostgreSQL (migration 0012), so the limit holds across
/// every API replica: a fixed window that starts with the first failure and is reset by the
/// first failure after it has passed.
/// </summary>
public sealed class FailedAuthStore(NpgsqlDataSource dataSource, IOptions<SubmissionOptions> options, TimeProvider time)
{
    private long _lastPrunedTicks;

    public async Task<bool> IsBlockedAsync(string address, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var failures = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT failures FROM submission_auth_failures WHERE address = @address AND window_started_at > @since",
            new { address, since = time.GetUtcNow() - settings.FailedAuthWindow }, cancellationToken: cancellationToken));
        return failures >= settings.FailedAuthLimit;
    }

    public async Task RecordFailureAsync(string address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = now - options.Value.FailedAuthWindow;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO submission_auth_failures AS f (address, window_started_at, failures) VALUES (@address, @now, 1)
            ON CONFLICT (address) DO UPDATE SET
                failures = CASE WHEN f.window_started_at <= @since THEN 1 ELSE f.failures + 1 END,
                window_started_at = CASE WHEN f.window_started_at <= @since THEN @now ELSE f.window_started_at END
            """,
            new { address, now, since }, cancellationToken: cancellationToken));
        // Rows of windows that have passed mean nothing any more; drop them now and then so the
        // table stays as small as the set of addresses failing right now.
        var last = Interlocked.Read(ref _lastPrunedTicks);
        if (now.UtcTicks - last > options.Value.FailedAuthWindow.Ticks && Interlocked.CompareExchange(ref _lastPrunedTicks, now.UtcTicks, last) == last)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM submission_auth_failures WHERE window_started_at <= @since", new { since }, cancellationToken: cancellationToken));
        }
    }
}
