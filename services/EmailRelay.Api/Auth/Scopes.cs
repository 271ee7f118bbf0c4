namespace EmailRelay.Api.Auth;

/// <summary>
/// What a key may do (API.md §Projects). <c>admin</c> belongs to operator keys only and implies
/// every other scope; <c>settings</c> manages a project's own keys, suppressions, webhooks and domains.
/// </summary>
public static class Scopes
{
    public const string Send = "emails:send";
    public const string Read = "emails:read";
    public const string Settings = "settings";
    public const string Admin = "admin";
    public const string ClaimType = "scope";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Send, Read, Settings, Admin };
}
