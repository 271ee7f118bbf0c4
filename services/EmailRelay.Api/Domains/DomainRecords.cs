namespace EmailRelay.Api.Domains;

/// <summary>The DNS records a sending domain's owner publishes, and their exact values (API.md §Sending domains).</summary>
public static class DomainRecords
{
    public const string Txt = "TXT";
    public const string Mx = "MX";

    /// <summary>The preference advised for the bounce domain's MX; any works, it is the only one.</summary>
    public const int ReturnPathPreference = 10;

    public static DomainDnsRecord Verification(string domain, string token) =>
        new(Txt, VerificationToken.RecordName(domain), VerificationToken.RecordValue(token), DomainRecordPurposes.Verification);

    public static DomainDnsRecord Dkim(string domain, string selector, string publicKey) =>
        new(Txt, DkimSelector.RecordName(selector, domain), DkimValue(publicKey), DomainRecordPurposes.Dkim);

    /// <summary>RFC 6376 §3.6.1: v= first, the key type, the base64 SubjectPublicKeyInfo.</summary>
    public static string DkimValue(string publicKey) => $"v=DKIM1; k=rsa; p={publicKey}";

    public static DomainDnsRecord Spf(string domain, IReadOnlyList<string> mechanisms) =>
        new(Txt, domain, SpfValue(mechanisms), DomainRecordPurposes.Spf);

    /// <summary>
    /// Soft fail (<c>~all</c>), not <c>-all</c>: the record is advice merged into whatever the domain
    /// already publishes, and a hard fail there would reject the domain's other mail outright.
    /// </summary>
    public static string SpfValue(IReadOnlyList<string> mechanisms) => $"v=spf1 {string.Join(' ', mechanisms)} ~all";

    /// <summary>The bounce domain's MX, so DSNs to the VERP return path reach Tracking; only when both are configured.</summary>
    public static DomainDnsRecord? ReturnPath(string? bounceDomain, string? mxHost) =>
        string.IsNullOrWhiteSpace(bounceDomain) || string.IsNullOrWhiteSpace(mxHost)
            ? null
            : new(Mx, bounceDomain.Trim().TrimEnd('.').ToLowerInvariant(), $"{ReturnPathPreference} {mxHost.Trim().TrimEnd('.').ToLowerInvariant()}",
                DomainRecordPurposes.ReturnPath);

    /// <summary>
    /// Every record of <paramref name="domain"/>: verification, one DKIM record per listed key
    /// (active first, then retiring, then pending), SPF, and the return path when configured.
    /// </summary>
    public static IReadOnlyList<DomainDnsRecord> For(SendingDomain domain, DomainOptions options, string? bounceDomain)
    {
        var name = domain.Domain.Name;
        var records = new List<DomainDnsRecord> { Verification(name, domain.Domain.VerificationToken) };
        records.AddRange(OrderForPublishing(domain.Keys).Select(k => Dkim(name, k.Selector, k.PublicKey)));
        records.Add(Spf(name, options.SpfTerms));
        if (ReturnPath(bounceDomain, options.BounceMxHost) is { } returnPath)
        {
            records.Add(returnPath);
        }
        return records;
    }

    public static IEnumerable<DkimKeyRow> OrderForPublishing(IEnumerable<DkimKeyRow> keys) =>
        keys.OrderBy(k => k.State switch
        {
            DomainStates.KeyActive => 0,
            DomainStates.KeyRetiring => 1,
            _ => 2,
        }).ThenBy(k => k.CreatedAt);
}
