namespace EmailRelay.Api.Projects;

/// <summary>
/// A project as the API shows it. <c>rate_limit</c> is the limit in force; <c>rate_limit_is_default</c>
/// says whether it is the installation's default (which follows configuration) or the project's own.
/// </summary>
public sealed record ProjectResponse(Guid Id, string Name, RateLimitSetting RateLimit, bool RateLimitIsDefault, DateTime CreatedAt);
