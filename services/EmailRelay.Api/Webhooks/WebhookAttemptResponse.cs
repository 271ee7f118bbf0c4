namespace EmailRelay.Api.Webhooks;

/// <summary>One request made (or refused) for a delivery; <c>status_code</c> is null when no response came.</summary>
public sealed record WebhookAttemptResponse(
    int Attempt, DateTime AttemptedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseExcerpt);
