namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>An event a delivery is made for, as the fan-out reads it.</summary>
public sealed class WebhookEventRef
{
    public Guid EventId { get; init; }
    public DateTime OccurredAt { get; init; }
    public string Type { get; init; } = "";
    public Guid MessageId { get; init; }
    public Guid ProjectId { get; init; }
}
