namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>A row of webhook_deliveries.</summary>
public sealed record WebhookDeliveryRow
{
    public Guid Id { get; init; }
    public Guid EndpointId { get; init; }
    public string Status { get; init; } = "";
    public int Attempts { get; init; }
    public DateTime? NextAttemptAt { get; init; }
    public DateTime? LeasedUntil { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public DateTime? CompletedAt { get; init; }
    public byte[]? Payload { get; init; }
}
