namespace EmailRelay.Api.Projects;

/// <summary>The body of <c>POST /v1/projects</c>; nullable so a missing field is named by validation.</summary>
public sealed class CreateProjectRequest
{
    public string? Name { get; set; }
    public RateLimitRequest? RateLimit { get; set; }
}

/// <summary><c>{"per_second": 50, "burst": 100}</c>.</summary>
public sealed class RateLimitRequest
{
    public double? PerSecond { get; set; }
    public int? Burst { get; set; }
}
