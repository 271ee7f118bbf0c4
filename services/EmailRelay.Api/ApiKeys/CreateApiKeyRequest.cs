namespace EmailRelay.Api.ApiKeys;

/// <summary>The body of <c>POST /v1/api-keys</c>; nullable so a missing field is named by validation.</summary>
public sealed record CreateApiKeyRequest
{
    public string? Name { get; init; }
    public List<string?>? Scopes { get; init; }

    /// <summary>The project the key belongs to; an operator leaving it out makes another operator key.</summary>
    public string? ProjectId { get; init; }
}
