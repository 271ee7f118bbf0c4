using System.Security.Cryptography;
using Npgsql;
using static EmailRelay.Data.NpgsqlShorthand;

namespace EmailRelay.Api.Idempotency;

/// <summary>
/// Idempotency-Key handling (API.md §Send). A request claims its key with a transaction-scoped
/// advisory lock and stores its messages and its response in that same transaction, so:
/// a concurrent duplicate finds the lock taken (409) only while the first is really running; a
/// replay can never point at a message that was not stored; and a request that fails before its
/// commit — including one whose database connection is cut — leaves nothing behind, so its retry
/// is processed instead of waiting out a reservation.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    // The two-int advisory lock space, apart from the migrator's single-bigint lock: class id + key hash.
    private const int LockClass = 0x49444D50; // "IDMP"

    public static byte[] HashRequest(string route, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(route));
        hash.AppendData([0]);   // no route/body split can then collide with another
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    public static bool IsValidKey(string key) => key.Length is >= 1 and <= 255 && key.All(c => c is >= ' ' and <= '~');

    public async Task<IdempotencyClaim> ClaimAsync(string owner, string key, byte[] requestHash, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    // The key's text holds no newline (printable ASCII), so owner and key cannot run together.
                    Command("SELECT pg_try_advisory_xact_lock($1, hashtext($2 || E'\\n' || $3))", P(LockClass), P(owner), P(key)),
                    Command("""
                        SELECT request_hash, status_code, location, response_body FROM idempotency
                        WHERE owner = $1 AND key = $2 AND completed_at IS NOT NULL AND created_at >= $3
                        """, P(owner), P(key), P(time.GetUtcNow() - Retention)),
                },
            };
            bool locked;
            StoredRow? stored = null;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                locked = reader.GetBoolean(0);
                await reader.NextResultAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    stored = new StoredRow(reader.GetFieldValue<byte[]>(0), reader.GetInt32(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<byte[]>(3));
                }
            }

            IdempotencyOutcome? decided = !locked ? IdempotencyOutcome.InProgress
                : stored is null ? null
                : CryptographicOperations.FixedTimeEquals(stored.RequestHash, requestHash) ? IdempotencyOutcome.Replay
                : IdempotencyOutcome.Mismatch;
            if (decided is { } outcome)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
                return new IdempotencyClaim(outcome, owner, key, requestHash,
                    stored: outcome == IdempotencyOutcome.Replay ? new StoredResponse(stored!.StatusCode, stored.Location, stored.Body) : null);
            }
            return new IdempotencyClaim(IdempotencyOutcome.Proceed, owner, key, requestHash, connection, transaction);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stores the response of a request that proceeded under its claim and commits the claim's
    /// transaction: the messages it stored, the response and the release of the key's lock commit
    /// together. Its own statement after the messages, because the response shows what storing
    /// them found (suppressed recipients).
    /// </summary>
    public async Task CompleteAsync(IdempotencyCompletion completion, byte[] body, CancellationToken cancellationToken)
    {
        var claim = completion.Claim;
        var transaction = claim.Transaction ?? throw new InvalidOperationException("Only a claim to proceed can be completed.");
        await using (var command = new NpgsqlCommand(CompleteSql, transaction.Connection, transaction))
        {
            command.Parameters.AddRange(new NpgsqlParameter[]
            {
                P(claim.Owner), P(claim.Key), P(claim.RequestHash), P(time.GetUtcNow()), P(completion.StatusCode), P(completion.Location), P(body),
            });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await claim.CommitAsync(cancellationToken);
    }

    private const string CompleteSql = """
        INSERT INTO idempotency (owner, key, request_hash, created_at, completed_at, status_code, location, response_body)
        VALUES ($1, $2, $3, $4, $4, $5, $6, $7)
        ON CONFLICT (owner, key) DO UPDATE
          SET request_hash = excluded.request_hash, created_at = excluded.created_at, completed_at = excluded.completed_at,
              status_code = excluded.status_code, location = excluded.location, response_body = excluded.response_body
        """;

    private sealed record StoredRow(byte[] RequestHash, int StatusCode, string? Location, byte[] Body);
}
