namespace EmailRelay.Api.RateLimiting;

// Placeholder until the rate-limit branch lands (its file replaces this one).
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";
    public double PerSecond { get; set; } = 100;
    public int Burst { get; set; } = 1000;
}
