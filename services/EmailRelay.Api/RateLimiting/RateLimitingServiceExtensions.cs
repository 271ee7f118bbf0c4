using System.Threading.RateLimiting;
using EmailRelay.Api.Auth;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.RateLimiting;

public static class RateLimitingServiceExtensions
{
    // A slot frees when one of the key's own requests ends, typically well within a second.
    private const int ConcurrencyRetryAfterSeconds = 1;

    /// <summary>
    /// The project send rates (shared through PostgreSQL) and the per-key concurrency cap (ASP.NET
    /// Core's rate limiting middleware; <c>app.UseRateLimiter()</c> after authorization).
    /// </summary>
    public static IServiceCollection AddSendRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ProjectRateLimiter>();
        services.AddSingleton<SendRateLimit>();

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            var permits = limits.Value.ConcurrentRequestsPerKey;
            // Per process on purpose: this cap protects one replica's own memory, threads and
            // connection pool from one key, so each replica counts its own requests and no shared
            // state (nor a round trip to it) is needed. A queue would only hold the request longer.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.User.FindFirst(ApiCaller.KeyIdClaim)?.Value is { } keyId
                    ? RateLimitPartition.GetConcurrencyLimiter(keyId, _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter(string.Empty));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                RateLimitHeaders.WriteConcurrency(context.Response.Headers, permits, ConcurrencyRetryAfterSeconds);
                return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = QuotaExceeded.Problem(RateLimitHeaders.ConcurrencyPolicy, "Too many concurrent requests",
                        $"This API key may have {permits} requests in flight at once on each API process; retry when one has finished."),
                });
            };
        });
        return services;
    }
}
