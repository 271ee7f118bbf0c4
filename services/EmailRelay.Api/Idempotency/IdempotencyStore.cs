using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace EmailRelay.Api.Idempotency;

public enum IdempotencyOutcome { Proceed, Replay, InProgress, Mismatch }

public sealed record IdempotencyDecision(IdempotencyOutcome Outcome, int StatusCode = 0, string? Location = null, byte[]? Body = null);

/// <summary>
/// Idempotency-Key handling (API.md §Send): the key is reserved in its own commit so a concurrent
/// duplicate sees it and gets 409; the response is stored in the same transaction as the message,
/// so a replay can never point at a message that was not stored.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    // A reservation never completed this long after it was made belongs to a request that died
    // (its transaction rolled back); the key may be used again.
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    public static byte[] HashRequest(string route, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(route));
        hash.AppendData([0]);   // no route/body split can then collide with another
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    public static bool IsValidKey(string key) => key.Length is >= 1 and <= 255 && key.All(c => c is >= ' ' and <= '~');

    public async Task<IdempotencyDecision> ReserveAsync(string owner, string key, byte[] requestHash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var reserved = await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(
            """
            INSERT INTO idempotency (owner, key, request_hash, created_at) VALUES (@owner, @key, @requestHash, @now)
            ON CONFLICT (owner, key) DO UPDATE
              SET request_hash = excluded.request_hash, created_at = excluded.created_at,
                  completed_at = NULL, status_code = NULL, location = NULL, response_body = NULL
              WHERE idempotency.created_at < @expired OR (idempotency.completed_at IS NULL AND idempotency.created_at < @abandoned)
            RETURNING true
            """,
            new { owner, key, requestHash, now, expired = now - Retention, abandoned = now - Abandoned },
            cancellationToken: cancellationToken));
        if (reserved == true)
        {
            return new IdempotencyDecision(IdempotencyOutcome.Proceed);
        }

        var existing = await connection.QuerySingleOrDefaultAsync<StoredResponse>(new CommandDefinition(
            "SELECT request_hash, completed_at, status_code, location, response_body FROM idempotency WHERE owner = @owner AND key = @key",
            new { owner, key }, cancellationToken: cancellationToken));
        if (existing is null)
        {
            // Expired and deleted between the two statements: try once more from the start.
            return await ReserveAsync(owner, key, requestHash, cancellationToken);
        }
        if (!CryptographicOperations.FixedTimeEquals(existing.RequestHash, requestHash))
        {
            return new IdempotencyDecision(IdempotencyOutcome.Mismatch);
        }
        return existing.CompletedAt is null
            ? new IdempotencyDecision(IdempotencyOutcome.InProgress)
            : new IdempotencyDecision(IdempotencyOutcome.Replay, existing.StatusCode ?? 202, existing.Location, existing.ResponseBody);
    }

    /// <summary>Frees a reservation whose request failed before storing anything, so the client can retry.</summary>
    public async Task ReleaseAsync(string owner, string key, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency WHERE owner = @owner AND key = @key AND completed_at IS NULL",
            new { owner, key }, cancellationToken: cancellationToken));
    }

    private sealed record StoredResponse(byte[] RequestHash, DateTime? CompletedAt, int? StatusCode, string? Location, byte[]? ResponseBody);
}
