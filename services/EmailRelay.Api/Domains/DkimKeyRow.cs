namespace EmailRelay.Api.Domains;

/// <summary>A row of <c>dkim_keys</c> without its sealed private key, which the API writes but never reads.</summary>
public sealed class DkimKeyRow
{
    public Guid Id { get; init; }
    public Guid DomainId { get; init; }
    public string Selector { get; init; } = "";
    public string PublicKey { get; init; } = "";
    public string State { get; init; } = DomainStates.KeyPending;
    public DateTime CreatedAt { get; init; }
    public DateTime? ActivatedAt { get; init; }
    public DateTime? RetireAfter { get; init; }
}
