namespace EmailRelay.Api.Auth;

/// <summary>What authentication needs of a key that is not revoked.</summary>
public sealed class ActiveKey
{
    public Guid Id { get; init; }
    public string[] Scopes { get; init; } = [];
    public Guid? ProjectId { get; init; }
}
