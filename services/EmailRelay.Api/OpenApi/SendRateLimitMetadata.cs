namespace EmailRelay.Api.OpenApi;

/// <summary>
/// Marks an endpoint charged to its project's send rate (API.md §Rate limits): its successful
/// answers carry the RateLimit-Policy and RateLimit fields, as every 429 does.
/// </summary>
public sealed class SendRateLimitMetadata
{
    public static readonly SendRateLimitMetadata Instance = new();

    private SendRateLimitMetadata()
    {
    }
}
