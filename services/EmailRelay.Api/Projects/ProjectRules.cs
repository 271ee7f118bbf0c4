using EmailRelay.Api.Http;

namespace EmailRelay.Api.Projects;

/// <summary>What a project's name and rate limit may be, for create and update alike.</summary>
public static class ProjectRules
{
    public const int MaxNameLength = 100;
    public const double MaxPerSecond = 1_000_000;
    public const int MaxBurst = 10_000_000;

    public static string? Name(string? name, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
        {
            errors.Add("name", $"A name of 1 to {MaxNameLength} characters without control characters is required.");
            return null;
        }
        return name.Trim();
    }

    public static RateLimitSetting? RateLimit(RateLimitRequest request, ValidationErrors errors)
    {
        var ok = true;
        if (request.PerSecond is not { } perSecond || !double.IsFinite(perSecond) || perSecond <= 0 || perSecond > MaxPerSecond)
        {
            errors.Add("rate_limit.per_second", $"per_second is a number of emails per second above 0 and at most {MaxPerSecond:0}.");
            ok = false;
        }
        if (request.Burst is not { } burst || burst < 1 || burst > MaxBurst)
        {
            errors.Add("rate_limit.burst", $"burst is a whole number of emails from 1 to {MaxBurst}.");
            ok = false;
        }
        return ok ? new RateLimitSetting(request.PerSecond!.Value, request.Burst!.Value) : null;
    }
}
