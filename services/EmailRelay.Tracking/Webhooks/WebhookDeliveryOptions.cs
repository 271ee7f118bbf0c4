using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Tracking.Webhooks;

/// <summary><c>Webhooks__*</c> for the dispatcher (DESIGN.md §6). <c>AllowPrivateNetworks</c> is <see cref="EmailRelay.Webhooks.WebhookNetworkOptions"/>.</summary>
public sealed class WebhookDeliveryOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>The delays before attempts 1, 2, …; a delivery fails after as many attempts as there are delays.</summary>
    [Required] public string RetrySchedule { get; set; } = "0s,5s,5m,30m,2h,5h,10h,10h";

    /// <summary>Each delay is moved by up to this fraction either way, so the retries of a burst spread out.</summary>
    [Range(0.0, 1.0)] public double RetryJitter { get; set; } = 0.1;

    /// <summary>One request, from connecting to the response headers and the first bytes of the body.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Requests in flight to one endpoint, over every Tracking replica.</summary>
    [Range(1, 1000)] public int MaxConcurrencyPerEndpoint { get; set; } = 4;

    /// <summary>Requests in flight to all endpoints, over every Tracking replica.</summary>
    [Range(1, 10000)] public int MaxConcurrency { get; set; } = 64;

    /// <summary>How often to look for due deliveries when nothing else woke the dispatcher.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a 429 or 503 answer's Retry-After may push the next attempt back.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a claimed delivery belongs to the replica sending it: the request timeout plus a
    /// margin for recording the outcome. A replica that dies mid-request holds its deliveries no longer.
    /// </summary>
    public TimeSpan LeaseDuration => Timeout + TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!WebhookRetrySchedule.TryParse(RetrySchedule, RetryJitter, out _, out var error))
        {
            yield return new ValidationResult($"Webhooks:RetrySchedule: {error}", [nameof(RetrySchedule)]);
        }
        if (MaxConcurrencyPerEndpoint > MaxConcurrency)
        {
            yield return new ValidationResult(
                $"Webhooks:MaxConcurrencyPerEndpoint ({MaxConcurrencyPerEndpoint}) is above Webhooks:MaxConcurrency ({MaxConcurrency}).",
                [nameof(MaxConcurrencyPerEndpoint)]);
        }
    }
}
