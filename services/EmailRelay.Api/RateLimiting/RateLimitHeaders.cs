using System.Globalization;

namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-11: Structured Field lists of
/// <c>"policy";q=…;w=…</c> and <c>"policy";r=…;t=…</c>) and Retry-After (RFC 9110 §10.2.3).
/// </summary>
public static class RateLimitHeaders
{
    /// <summary>
    /// The send policy's name. Its quota unit is one email, which the draft's unit registry
    /// (requests, content-bytes, concurrent-requests) does not name, so no <c>qu</c> is sent and
    /// the name says it.
    /// </summary>
    public const string EmailsPolicy = "emails";

    /// <summary>The per-key concurrency cap's policy name.</summary>
    public const string ConcurrencyPolicy = "concurrency";

    public const string PolicyHeader = "RateLimit-Policy";
    public const string LimitHeader = "RateLimit";

    /// <summary>The project's bucket: q = its burst, w = the seconds in which the rate grants that burst.</summary>
    public static string Policy(RateLimitDecision decision) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{EmailsPolicy}\";q={decision.Burst};w={decision.WindowSeconds}");

    /// <summary>
    /// r = whole emails available now; t = seconds until the bucket is full again, or on a refusal
    /// the Retry-After, since the draft wants Retry-After no earlier than the end of the window.
    /// </summary>
    public static string Limit(RateLimitDecision decision) =>
        string.Create(CultureInfo.InvariantCulture,
            $"\"{EmailsPolicy}\";r={decision.Remaining};t={(decision.Admitted ? decision.SecondsUntilFull : decision.RetryAfterSeconds)}");

    public static string ConcurrencyPolicyValue(int permits) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{ConcurrencyPolicy}\";q={permits};qu=\"concurrent-requests\"");

    public const string ConcurrencyLimitValue = "\"" + ConcurrencyPolicy + "\";r=0";

    /// <summary>Both fields on every send response; Retry-After too when the request was refused.</summary>
    public static void Write(IHeaderDictionary headers, RateLimitDecision decision)
    {
        headers[PolicyHeader] = Policy(decision);
        headers[LimitHeader] = Limit(decision);
        if (!decision.Admitted)
        {
            headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A refusal by the concurrency cap: the key has no slot left on this process.</summary>
    public static void WriteConcurrency(IHeaderDictionary headers, int permits, int retryAfterSeconds)
    {
        headers[PolicyHeader] = ConcurrencyPolicyValue(permits);
        headers[LimitHeader] = ConcurrencyLimitValue;
        headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
    }
}
