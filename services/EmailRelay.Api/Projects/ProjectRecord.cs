namespace EmailRelay.Api.Projects;

/// <summary>A row of <c>projects</c>; a null rate column means the configured default applies.</summary>
public sealed class ProjectRecord
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public double? RateLimitPerSecond { get; init; }
    public int? RateLimitBurst { get; init; }
    public DateTime CreatedAt { get; init; }
}
