namespace EmailRelay.Api.Webhooks;

/// <summary>
/// One event sent (or to be sent) to one endpoint. <c>attempts</c> counts the attempts of the current
/// run of the retry schedule (a replay starts a new run); <c>attempt_log</c> lists every attempt
/// ever made, oldest first.
/// </summary>
public sealed record WebhookDeliveryResponse(
    Guid Id, Guid EventId, string EventType, Guid EmailId, string Status, int Attempts, DateTime? NextAttemptAt,
    int? LastStatusCode, string? LastError, DateTime CreatedAt, DateTime? CompletedAt, IReadOnlyList<WebhookAttemptResponse> AttemptLog);
