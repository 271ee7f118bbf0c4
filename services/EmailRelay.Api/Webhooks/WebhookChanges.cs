namespace EmailRelay.Api.Webhooks;

/// <summary>What a PATCH changes; a null member is left alone, except the description when <see cref="SetsDescription"/>.</summary>
public sealed record WebhookChanges(string? Url, string[]? EventTypes, bool SetsDescription, string? Description, bool? Enabled);
