namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>A row of webhook_attempts.</summary>
public sealed record WebhookAttemptRow
{
    public int Attempt { get; init; }
    public DateTime AttemptedAt { get; init; }
    public int DurationMs { get; init; }
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public string? ResponseExcerpt { get; init; }
}
