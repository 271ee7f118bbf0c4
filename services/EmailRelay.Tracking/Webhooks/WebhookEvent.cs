namespace EmailRelay.Tracking.Webhooks;

/// <summary>The event row and its message's tags and metadata, read only while the payload is not yet fixed.</summary>
public sealed record WebhookEvent(int Sequence, string? Recipient, DateTimeOffset OccurredAt, string Details, string[] Tags, string Metadata);
