namespace EmailRelay.Api.Idempotency;

/// <summary>What to do with a request that carries an Idempotency-Key.</summary>
public enum IdempotencyOutcome
{
    /// <summary>First time (or expired): process it inside the claim's transaction.</summary>
    Proceed,

    /// <summary>Done before with this body: answer with the stored response.</summary>
    Replay,

    /// <summary>A request with this key is running right now: 409.</summary>
    InProgress,

    /// <summary>Done before with another body: 422.</summary>
    Mismatch,
}
