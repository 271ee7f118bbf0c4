namespace EmailRelay.Tracking.Webhooks;

/// <summary>One attempt as recorded in <c>webhook_attempts</c>.</summary>
/// <param name="StatusCode">Null when no response came.</param>
/// <param name="ResponseExcerpt">The first bytes of the response body, as text.</param>
/// <param name="RetryAfter">What a 429/503 answer's Retry-After asked for.</param>
public sealed record AttemptResult(
    AttemptOutcome Outcome,
    DateTimeOffset AttemptedAt,
    TimeSpan Duration,
    int? StatusCode = null,
    string? Error = null,
    string? ResponseExcerpt = null,
    TimeSpan? RetryAfter = null);
