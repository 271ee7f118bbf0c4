using System.Globalization;
using EmailRelay.Data.Bounces;
using EmailRelay.Dns;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Domains;

/// <summary>
/// Looks a domain's records up in DNS now (the cache bypassed: the user has just published them)
/// and decides what follows. A domain is verified when its verification record and the DKIM record
/// of the key it signs with are found; a pending key whose record is found becomes that key.
/// </summary>
public sealed class DomainVerifier(RelayDns dns, IOptions<DomainOptions> options, IOptions<BounceOptions> bounces)
{
    public async Task<DomainCheck> CheckAsync(SendingDomain domain, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var name = domain.Domain.Name;
        var keys = DomainRecords.OrderForPublishing(domain.Keys).ToList();
        var returnPath = DomainRecords.ReturnPath(bounces.Value.Domain, o.BounceMxHost);
        // All at once: each is a round trip to the resolver, and the user is waiting for the answer.
        var verification = dns.LookupTxtAsync(VerificationToken.RecordName(name), fresh: true, cancellationToken);
        var keyRecords = keys.Select(k => dns.LookupTxtAsync(DkimSelector.RecordName(k.Selector, name), fresh: true, cancellationToken)).ToList();
        var spf = dns.LookupTxtAsync(name, fresh: true, cancellationToken);
        var mx = returnPath is null ? null : dns.LookupMxAsync(returnPath.Name, cancellationToken);
        return Evaluate(domain, o, returnPath, await verification, await Task.WhenAll(keyRecords), await spf, mx is null ? null : await mx);
    }

    /// <summary>The decision, apart from the lookups: <paramref name="keyLookups"/> in <see cref="DomainRecords.OrderForPublishing"/> order.</summary>
    public static DomainCheck Evaluate(SendingDomain domain, DomainOptions options, DomainDnsRecord? returnPath, TxtLookup verificationLookup,
        IReadOnlyList<TxtLookup> keyLookups, TxtLookup spfLookup, MxLookup? returnPathLookup)
    {
        var name = domain.Domain.Name;
        var keys = DomainRecords.OrderForPublishing(domain.Keys).ToList();
        var active = domain.Active;
        var pending = domain.Pending;

        var verification = RecordEvaluation.Verification(DomainRecords.Verification(name, domain.Domain.VerificationToken), verificationLookup);
        var checks = new List<RecordCheck> { verification };
        var keyChecks = new Dictionary<Guid, RecordCheck>();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            // The key the domain signs with is required: the active one, or a new domain's first key.
            var required = key.State == DomainStates.KeyActive || (key.State == DomainStates.KeyPending && active is null);
            var check = RecordEvaluation.Dkim(DomainRecords.Dkim(name, key.Selector, key.PublicKey), key.PublicKey, required, keyLookups[i], Note(key, active));
            keyChecks[key.Id] = check;
            checks.Add(check);
        }
        checks.Add(RecordEvaluation.Spf(DomainRecords.Spf(name, options.SpfTerms), options.SpfTerms, spfLookup));
        if (returnPath is not null && returnPathLookup is not null)
        {
            checks.Add(RecordEvaluation.ReturnPath(returnPath, returnPathLookup));
        }

        var activate = pending is not null && keyChecks[pending.Id].Result == RecordCheckResults.Found ? pending : null;
        var signing = activate ?? active;
        var dkim = signing is null ? RecordCheckResults.NotFound : keyChecks[signing.Id].Result;
        return new DomainCheck(checks, activate?.Id, Verdict(verification.Result, dkim));
    }

    private static bool? Verdict(params string[] required)
    {
        if (required.All(r => r == RecordCheckResults.Found))
        {
            return true;
        }
        // Missing for sure: no longer verified. Only unknown (a lookup failed): leave the status be.
        return required.Any(r => r is RecordCheckResults.NotFound or RecordCheckResults.WrongValue) ? false : null;
    }

    private static string? Note(DkimKeyRow key, DkimKeyRow? active) => key.State switch
    {
        DomainStates.KeyPending when active is not null =>
            $"A rotation's new key: when this record is found, it signs in place of {active.Selector}.",
        DomainStates.KeyRetiring =>
            $"Replaced by a rotation: keep it published until {key.RetireAfter?.ToString("u", CultureInfo.InvariantCulture)}, then remove it.",
        _ => null,
    };
}
