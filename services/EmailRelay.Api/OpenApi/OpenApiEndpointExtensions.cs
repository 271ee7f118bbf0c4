namespace EmailRelay.Api.OpenApi;

/// <summary>
/// Metadata for what the document cannot infer from an endpoint; everything else (security, the
/// common problem responses) is derived by <see cref="EndpointRulesTransformer"/>.
/// </summary>
public static class OpenApiEndpointExtensions
{
    public static TBuilder WithIdempotencyKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(IdempotencyKeyMetadata.Instance);

    /// <summary>A route charged to its project's send rate: its successful answers carry the RateLimit fields too.</summary>
    public static TBuilder WithSendRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(SendRateLimitMetadata.Instance);

    public static TBuilder WithLocationHeader<TBuilder>(this TBuilder builder, int statusCode) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LocationHeaderMetadata(statusCode));

    /// <summary>A problem this route answers for a reason of its own, documented with <paramref name="description"/>.</summary>
    public static TBuilder WithProblemResponse<TBuilder>(this TBuilder builder, int statusCode, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemResponseMetadata(statusCode, description));

    public static TBuilder WithValidatedQuery<TBuilder>(this TBuilder builder, params QueryParameterDoc[] parameters)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ValidatedQueryMetadata(parameters));
}
