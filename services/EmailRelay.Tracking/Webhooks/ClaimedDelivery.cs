namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// A delivery this replica has leased for one attempt, with what sending it takes: the endpoint,
/// its secrets, and either the payload fixed by an earlier attempt or the event to build it from.
/// </summary>
public sealed record ClaimedDelivery(
    Guid Id,
    DateTimeOffset CreatedAt,
    Guid EndpointId,
    Guid EventId,
    string EventType,
    Guid MessageId,
    int Attempt,
    Guid LeaseToken,
    string Url,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousExpiresAt,
    byte[]? Payload,
    WebhookEvent? Event);
