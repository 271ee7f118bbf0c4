namespace EmailRelay.Api.Webhooks;

/// <summary>
/// A row of <c>webhook_endpoints</c> without its secrets. A class rather than a positional record:
/// Dapper matches constructors only on exact column types, and text[] is System.Array.
/// </summary>
public sealed class WebhookRecord
{
    public Guid Id { get; init; }
    public Guid ProjectId { get; init; }
    public string Url { get; init; } = "";
    public string? Description { get; init; }
    public string[] EventTypes { get; init; } = [];
    public bool Enabled { get; init; }
    public string? DisabledReason { get; init; }
    public DateTime? PreviousExpiresAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
