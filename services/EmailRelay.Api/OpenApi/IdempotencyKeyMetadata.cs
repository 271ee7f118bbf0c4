namespace EmailRelay.Api.OpenApi;

/// <summary>
/// Marks an endpoint that honours the Idempotency-Key header: the document gets the header, the
/// Idempotent-Replayed response header, and the 409 and 422 answers the key can cause.
/// </summary>
public sealed class IdempotencyKeyMetadata
{
    public static readonly IdempotencyKeyMetadata Instance = new();

    private IdempotencyKeyMetadata()
    {
    }
}
