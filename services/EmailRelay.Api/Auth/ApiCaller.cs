using System.Security.Claims;

namespace EmailRelay.Api.Auth;

/// <summary>
/// Who is calling, as the authentication handler established it: the key, and the project it is
/// bound to. A key without a project is an operator key: it sees every project.
/// </summary>
public sealed record ApiCaller(string KeyId, Guid? ApiKeyId, Guid? ProjectId)
{
    public const string KeyIdClaim = "key_id";
    public const string ProjectIdClaim = "project_id";

    public bool IsOperator => ProjectId is null;

    public static ApiCaller From(ClaimsPrincipal user)
    {
        var keyId = user.FindFirst(KeyIdClaim)?.Value
            ?? throw new InvalidOperationException("The request was not authenticated with an API key.");
        Guid? project = Guid.TryParse(user.FindFirst(ProjectIdClaim)?.Value, out var p) ? p : null;
        return new ApiCaller(keyId, Guid.TryParse(keyId, out var id) ? id : null, project);
    }
}
