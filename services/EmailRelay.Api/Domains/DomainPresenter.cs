using System.Text.Json;
using EmailRelay.Api.Http;
using EmailRelay.Data.Bounces;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Domains;

/// <summary>A domain as the API shows it: the records follow the configuration of now (SPF mechanisms, bounce MX host).</summary>
public sealed class DomainPresenter(IOptions<DomainOptions> options, IOptions<BounceOptions> bounces)
{
    public DomainResponse Present(SendingDomain domain)
    {
        var d = domain.Domain;
        return new DomainResponse(d.Id, d.ProjectId, d.Name, d.Status,
            DomainRecords.For(domain, options.Value, bounces.Value.Domain),
            DomainRecords.OrderForPublishing(domain.Keys).Select(k => new DkimKeyResponse(k.Selector, k.State, k.CreatedAt, k.ActivatedAt, k.RetireAfter)).ToList(),
            d.CreatedAt, d.VerifiedAt, d.LastCheckedAt,
            d.LastCheck is null ? null : JsonSerializer.Deserialize<List<RecordCheck>>(d.LastCheck, JsonBody.Options));
    }
}
