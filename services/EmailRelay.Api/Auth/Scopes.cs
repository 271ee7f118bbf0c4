namespace EmailRelay.Api.Auth;

public static class Scopes
{
    public const string Send = "emails:send";
    public const string Read = "emails:read";
    public const string Admin = "admin";
    public const string ClaimType = "scope";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Send, Read, Admin };
}
