using System.Diagnostics.Metrics;
using System.Globalization;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// The send endpoints' check against their project's rate: called after validation (the cost is
/// the number of valid emails) and before anything is stored, so a refused request leaves nothing.
/// </summary>
public sealed class SendRateLimit(ProjectRateLimiter limiter, IMeterFactory meters)
{
    private readonly Counter<long> _refused = meters.Create(ServiceDefaultsExtensions.MeterName)
        .CreateCounter<long>("emailrelay.emails.rate_limited", description: "Valid emails refused with 429 because their project was over its send rate");

    /// <summary>
    /// Takes <paramref name="emails"/> from <paramref name="projectId"/>'s bucket and puts the RateLimit fields on
    /// the response; returns the 429 to answer with, or null when the request may go on.
    /// </summary>
    public async Task<IResult?> CheckAsync(HttpContext context, Guid projectId, int emails, CancellationToken cancellationToken)
    {
        var decision = await AcquireAsync(projectId, emails, cancellationToken);
        RateLimitHeaders.Write(context.Response.Headers, decision);
        if (decision.Admitted)
        {
            return null;
        }
        return TypedResults.Problem(QuotaExceeded.Problem(RateLimitHeaders.EmailsPolicy, "Send rate exceeded",
            string.Create(CultureInfo.InvariantCulture,
                $"This project may send {decision.PerSecond:G} emails per second, {decision.Burst} at once; {decision.Remaining} may be sent now and this request has {emails}. Nothing was stored: retry after {decision.RetryAfterSeconds} s.")));
    }

    /// <summary>
    /// The same check without HTTP (SMTP submission): takes <paramref name="emails"/> from the
    /// project's bucket and counts a refusal; the caller words the answer.
    /// </summary>
    public async Task<RateLimitDecision> AcquireAsync(Guid projectId, int emails, CancellationToken cancellationToken)
    {
        var decision = await limiter.AcquireAsync(projectId, emails, cancellationToken);
        if (!decision.Admitted)
        {
            _refused.Add(emails);
        }
        return decision;
    }
}
