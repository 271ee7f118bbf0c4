using Microsoft.AspNetCore.Mvc;

namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// The 429 problem document (RFC 9457), of the "quota-exceeded" problem type that the RateLimit
/// fields draft registers, naming the violated policy so a client can tell the two limits apart.
/// </summary>
public static class QuotaExceeded
{
    public const string Type = "https://iana.org/assignments/http-problem-types#quota-exceeded";

    public static ProblemDetails Problem(string policy, string title, string detail) => new()
    {
        Type = Type,
        Status = StatusCodes.Status429TooManyRequests,
        Title = title,
        Detail = detail,
        Extensions = { ["violated-policies"] = new[] { policy } },
    };
}
