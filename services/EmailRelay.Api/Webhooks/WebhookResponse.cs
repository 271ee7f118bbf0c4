namespace EmailRelay.Api.Webhooks;

/// <summary>
/// An endpoint as the API shows it, never with its secret. <c>previous_secret_expires_at</c> is set
/// while deliveries are still signed with the secret before the last rotation as well.
/// </summary>
public sealed record WebhookResponse(
    Guid Id, Guid ProjectId, string Url, string? Description, string[] EventTypes, bool Enabled, string? DisabledReason,
    DateTime? PreviousSecretExpiresAt, DateTime CreatedAt, DateTime UpdatedAt);
