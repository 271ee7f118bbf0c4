namespace EmailRelay.Api.Domains;

/// <summary>A domain with the DKIM keys whose records are published: pending, active and retiring (until retire_after).</summary>
public sealed record SendingDomain(SendingDomainRow Domain, IReadOnlyList<DkimKeyRow> Keys)
{
    public DkimKeyRow? Active => Keys.FirstOrDefault(k => k.State == DomainStates.KeyActive);

    public DkimKeyRow? Pending => Keys.FirstOrDefault(k => k.State == DomainStates.KeyPending);
}
