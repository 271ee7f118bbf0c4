using System.Net.Mime;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;

namespace EmailRelay.Api.OpenApi;

/// <summary>
/// Which problem responses an endpoint can give, derived from its metadata, so a route mapped
/// tomorrow is documented by the same rules as the routes mapped today. Each rule names the code
/// that produces the answer.
/// </summary>
public static class ProblemResponseRules
{
    public static IReadOnlyList<int> For(IReadOnlyList<object> metadata, bool addressesResource)
    {
        var codes = new SortedSet<int>();
        if (RequiresApiKey(metadata))
        {
            // ApiKeyAuthenticationHandler: challenge (no, unknown or revoked key).
            codes.Add(StatusCodes.Status401Unauthorized);
            if (RequiresScope(metadata))
            {
                // ApiKeyAuthenticationHandler: forbid (the key lacks the policy's scope).
                codes.Add(StatusCodes.Status403Forbidden);
            }
            // Every key is looked up in PostgreSQL on every request (ApiKeyStore), so any
            // authenticated route can meet StorageUnavailableHandler.
            codes.Add(StatusCodes.Status503ServiceUnavailable);
            // The per-key concurrency cap guards every authenticated route; send routes also meet
            // the per-project send rate.
            codes.Add(StatusCodes.Status429TooManyRequests);
        }
        if (AcceptsJson(metadata))
        {
            // JsonBody: 415 not JSON, 413 over the route's limit, 400 malformed or invalid.
            codes.Add(StatusCodes.Status400BadRequest);
            codes.Add(StatusCodes.Status413PayloadTooLarge);
            codes.Add(StatusCodes.Status415UnsupportedMediaType);
        }
        if (metadata.OfType<ValidatedQueryMetadata>().Any())
        {
            codes.Add(StatusCodes.Status400BadRequest);
        }
        if (addressesResource)
        {
            // A route parameter names a resource that may not exist (or belong to another project).
            codes.Add(StatusCodes.Status404NotFound);
        }
        if (metadata.OfType<IdempotencyKeyMetadata>().Any())
        {
            // 409: the key's first request is still running; 422: the key was used with another body.
            // A malformed key is a 400.
            codes.Add(StatusCodes.Status400BadRequest);
            codes.Add(StatusCodes.Status409Conflict);
            codes.Add(StatusCodes.Status422UnprocessableEntity);
        }
        foreach (var own in metadata.OfType<ProblemResponseMetadata>())
        {
            // Declared by the route (WithProblemResponse): a state of the resource that refuses the action.
            codes.Add(own.StatusCode);
        }
        return [.. codes];
    }

    /// <summary>The authorization middleware runs for the endpoint: it needs a valid API key.</summary>
    public static bool RequiresApiKey(IReadOnlyList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    private static bool RequiresScope(IReadOnlyList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Policy) || !string.IsNullOrEmpty(a.Roles))
        || metadata.OfType<IAuthorizationRequirementData>().Any();

    private static bool AcceptsJson(IReadOnlyList<object> metadata) =>
        metadata.OfType<IAcceptsMetadata>().Any(a => a.ContentTypes.Any(IsJson));

    private static bool IsJson(string contentType) =>
        contentType.Equals(MediaTypeNames.Application.Json, StringComparison.OrdinalIgnoreCase)
        || contentType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
