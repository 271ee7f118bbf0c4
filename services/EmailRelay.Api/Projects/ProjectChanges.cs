namespace EmailRelay.Api.Projects;

/// <summary>What a PATCH asks for: a new name, and/or a new rate limit (null with <see cref="SetsRateLimit"/>: back to the default).</summary>
public sealed record ProjectChanges(string? Name, bool SetsRateLimit, RateLimitSetting? RateLimit);
