namespace EmailRelay.Tracking.Webhooks;

/// <summary>What one request to an endpoint came to; <see cref="DeliveryRules"/> decides what follows from it.</summary>
public enum AttemptOutcome
{
    /// <summary>2xx.</summary>
    Succeeded,

    /// <summary>410: the receiver wants no more webhooks; the endpoint is disabled.</summary>
    Gone,

    /// <summary>429 or 503: retried no earlier than its Retry-After.</summary>
    Throttled,

    /// <summary>3xx: redirects are not followed (the URL should be updated instead).</summary>
    Redirected,

    /// <summary>Any other status.</summary>
    Rejected,

    /// <summary>No response within the timeout.</summary>
    TimedOut,

    /// <summary>DNS, connection or TLS failure, or the connection dropped.</summary>
    NetworkError,

    /// <summary>The SSRF guard refused the URL or the address: no request was made.</summary>
    Refused,

    /// <summary>The event was pruned before a first attempt fixed the payload: nothing to send.</summary>
    NoPayload,
}
