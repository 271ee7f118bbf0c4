namespace EmailRelay.Api.Webhooks;

/// <summary>The new secret; until <c>previous_secret_expires_at</c> deliveries carry a signature with the old one too.</summary>
public sealed record RotatedWebhookSecret(Guid Id, string Secret, DateTime? PreviousSecretExpiresAt);
