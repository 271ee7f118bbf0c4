using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Domains;

/// <summary>
/// The accept-time rule of API.md §Sending domains: with <c>Senders__RequireVerifiedDomain</c>,
/// <c>from</c> must be at a verified domain of the key's project — the exact domain, after the same
/// IDN normalisation as the domain's name (a subdomain is a domain of its own).
/// </summary>
public sealed class SenderDomainCheck(VerifiedDomains verified, IOptions<SendersOptions> options)
{
    public const string Field = "from";

    public bool Enabled => options.Value.RequireVerifiedDomain;

    /// <summary>
    /// Which of <paramref name="fromDomains"/> the project may not send from (none when the rule is
    /// off). Only "verified" is trusted from the cache: a domain missing from the cached list is
    /// looked up again before it is refused, so one request costs at most one query more.
    /// </summary>
    public async Task<IReadOnlySet<string>> RefusedAsync(Guid project, IEnumerable<string> fromDomains, CancellationToken cancellationToken)
    {
        var refused = new HashSet<string>(StringComparer.Ordinal);
        if (!Enabled)
        {
            return refused;
        }
        var domains = fromDomains.Distinct(StringComparer.Ordinal).ToList();
        var names = await verified.GetAsync(project, fresh: false, cancellationToken);
        if (domains.Any(d => !IsVerified(names, d)))
        {
            names = await verified.GetAsync(project, fresh: true, cancellationToken);
        }
        refused.UnionWith(domains.Where(d => !IsVerified(names, d)));
        return refused;
    }

    /// <summary>The 422 for an email whose <c>from</c> is at <paramref name="domain"/>, which the project has not verified.</summary>
    public static ProblemHttpResult Refusal(string domain) =>
        Problems.Field(Field,
            $"'{domain}' is not a verified sending domain of this project: add it with POST /v1/domains, publish its DNS records " +
            "and verify it with POST /v1/domains/{id}/verify.",
            StatusCodes.Status422UnprocessableEntity);

    private static bool IsVerified(IReadOnlySet<string> names, string domain) =>
        DomainName.Normalize(domain, out _) is { } name && names.Contains(name);
}
