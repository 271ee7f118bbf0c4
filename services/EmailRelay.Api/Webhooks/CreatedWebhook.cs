namespace EmailRelay.Api.Webhooks;

/// <summary>The one response, with rotation's, that carries the signing secret.</summary>
public sealed record CreatedWebhook(
    Guid Id, Guid ProjectId, string Url, string? Description, string[] EventTypes, string Secret, bool Enabled, DateTime CreatedAt);
