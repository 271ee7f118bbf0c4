using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Auth;

/// <summary>
/// Bearer API keys, looked up on every request (no cache), so a revoked key stops working on the
/// very next request, on every replica.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IOptions<AuthOptions> authOptions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string BootstrapKeyId = "bootstrap";

    private readonly byte[]? _bootstrapHash = authOptions.Value.BootstrapKey is { } key ? ApiKeyFormat.Hash(key) : null;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("Authorization must be 'Bearer <api key>'.");
        }
        var hash = ApiKeyFormat.Hash(header["Bearer ".Length..].Trim());

        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return Success(BootstrapKeyId, null, Scopes.All);
        }
        var found = await keys.FindActiveAsync(hash, Context.RequestAborted);
        return found is null
            ? AuthenticateResult.Fail("Unknown or revoked API key.")
            : Success(found.Id.ToString(), found.ProjectId, found.Scopes);
    }

    private AuthenticateResult Success(string keyId, Guid? projectId, IEnumerable<string> scopes)
    {
        var claims = new List<Claim> { new(ApiCaller.KeyIdClaim, keyId) };
        if (projectId is { } project)
        {
            claims.Add(new Claim(ApiCaller.ProjectIdClaim, project.ToString()));
        }
        claims.AddRange(scopes.Select(s => new Claim(Scopes.ClaimType, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            "A valid API key is required: 'Authorization: Bearer <api key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden",
            "This API key does not have the scope this endpoint requires.");
}
