namespace EmailRelay.Api.Idempotency;

/// <summary>
/// How a request that claimed its Idempotency-Key answers: its response is stored, and the claim
/// committed, in the same transaction as the messages it created (see <see cref="IdempotencyStore"/>).
/// </summary>
public sealed record IdempotencyCompletion(IdempotencyClaim Claim, int StatusCode, string? Location);
