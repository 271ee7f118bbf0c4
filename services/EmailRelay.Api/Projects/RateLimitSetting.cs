namespace EmailRelay.Api.Projects;

/// <summary>A project's send rate: emails per second and the burst the token bucket holds.</summary>
public sealed record RateLimitSetting(double PerSecond, int Burst);
