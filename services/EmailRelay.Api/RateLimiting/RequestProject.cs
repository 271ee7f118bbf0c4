using System.Security.Claims;
using EmailRelay.Data;

namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// The project a request sends for: the key's <c>project_id</c> claim, or the default project
/// for an operator key (API.md §Projects).
/// </summary>
public static class RequestProject
{
    public const string ClaimType = "project_id";

    public static Guid Of(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirst(ClaimType)?.Value, out var id) ? id : ProjectIds.Default;
}
