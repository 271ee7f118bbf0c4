namespace EmailRelay.Api.Domains;

/// <summary>The body of <c>POST /v1/domains</c>; nullable so a missing name is named by validation.</summary>
public sealed record CreateDomainRequest
{
    /// <summary>The domain to send from, e.g. <c>acme.example</c>; an internationalised name is stored as its A-label.</summary>
    public string? Name { get; init; }
}
