using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// Send limits (API.md §Rate limits). <see cref="PerSecond"/> and <see cref="Burst"/> are the
/// default token bucket of every project whose own <c>rate_limit_*</c> columns are NULL.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Emails per second a project may send, sustained.</summary>
    [Range(0.001, 1_000_000)]
    public double PerSecond { get; set; } = 100;

    /// <summary>
    /// Emails a project may send at once after a quiet spell: the bucket's size. One full batch
    /// (500) by default, so a batch never has to wait for a bucket that was full.
    /// </summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 500;

    /// <summary>
    /// Requests one API key may have in flight on one API process. A third of Npgsql's default
    /// pool of 100: one busy client cannot take the connections every other key needs.
    /// </summary>
    [Range(1, 100_000)]
    public int ConcurrentRequestsPerKey { get; set; } = 32;
}
