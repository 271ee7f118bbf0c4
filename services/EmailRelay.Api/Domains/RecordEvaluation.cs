using EmailRelay.Dns;

namespace EmailRelay.Api.Domains;

/// <summary>
/// Turns DNS answers into a <see cref="RecordCheck"/> per record: whether what is published is what
/// the relay asked for. Tag-lists are read as RFC 6376 §3.2 and RFC 7208 §4.6 write them, so a
/// record a DNS console re-spaced, re-cased or split into strings still counts.
/// </summary>
public static class RecordEvaluation
{
    public static RecordCheck Verification(DomainDnsRecord record, TxtLookup lookup) =>
        Txt(record, lookup, required: true, records =>
            records.Any(r => r.Trim() == record.Value)
                ? (RecordCheckResults.Found, null)
                : (RecordCheckResults.WrongValue, $"{Count(records.Count, "TXT record")} at {record.Name}, none is '{record.Value}'."));

    /// <summary>Found when a key record publishes exactly this public key (RSA, not revoked).</summary>
    public static RecordCheck Dkim(DomainDnsRecord record, string publicKey, bool required, TxtLookup lookup, string? note = null) =>
        Txt(record, lookup, required, records =>
        {
            var tags = records.Select(ParseTags).ToList();
            if (tags.Any(t => Tag(t, "p") == publicKey && Tag(t, "k") is null or "rsa" && Tag(t, "v") is null or "DKIM1"))
            {
                return (RecordCheckResults.Found, null);
            }
            if (tags.Any(t => Tag(t, "p") == ""))
            {
                return (RecordCheckResults.WrongValue, "The published record revokes the key (empty p=); publish the value given.");
            }
            return (RecordCheckResults.WrongValue, $"{Count(records.Count, "TXT record")} at {record.Name}, none with this key's p= (and k=rsa).");
        }, note);

    /// <summary>Found when the domain's one SPF record names every advised mechanism, wherever it puts them.</summary>
    public static RecordCheck Spf(DomainDnsRecord record, IReadOnlyList<string> mechanisms, TxtLookup lookup) =>
        Txt(record, lookup, required: false, records =>
        {
            var spf = records.Where(IsSpf).ToList();
            if (spf.Count == 0)
            {
                return (RecordCheckResults.NotFound, $"No SPF record (v=spf1) at {record.Name}.");
            }
            if (spf.Count > 1)
            {
                return (RecordCheckResults.WrongValue, $"{spf.Count} SPF records at {record.Name}: RFC 7208 §4.5 makes that a permanent error; merge them into one.");
            }
            var terms = spf[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.TrimStart('+')).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var missing = mechanisms.Where(m => !terms.Contains(m.TrimStart('+'))).ToList();
            return missing.Count == 0
                ? (RecordCheckResults.Found, null)
                : (RecordCheckResults.WrongValue, $"The SPF record does not name {string.Join(' ', missing)}.");
        });

    /// <summary>Found when the bounce domain's MX names the advised host.</summary>
    public static RecordCheck ReturnPath(DomainDnsRecord record, MxLookup lookup)
    {
        var host = record.Value[(record.Value.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        var (result, detail) = lookup.Status switch
        {
            DnsLookupStatus.Found when lookup.IsNullMx => (RecordCheckResults.WrongValue, $"{record.Name} publishes the null MX (RFC 7505): it accepts no mail."),
            DnsLookupStatus.Found when lookup.Hosts.Any(h => string.Equals(h.Host.TrimEnd('.'), host, StringComparison.OrdinalIgnoreCase)) =>
                (RecordCheckResults.Found, (string?)null),
            DnsLookupStatus.Found => (RecordCheckResults.WrongValue, $"The MX of {record.Name} names {string.Join(", ", lookup.Hosts.Select(h => h.Host))}, not {host}."),
            DnsLookupStatus.TemporaryFailure => (RecordCheckResults.LookupFailed, Failure(lookup.Error)),
            DnsLookupStatus.NameNotFound => (RecordCheckResults.NotFound, $"{record.Name} does not exist (NXDOMAIN)."),
            _ => (RecordCheckResults.NotFound, $"{record.Name} has no MX record."),
        };
        return new RecordCheck(record.Type, record.Name, record.Purpose, Required: false, result, detail);
    }

    private static RecordCheck Txt(DomainDnsRecord record, TxtLookup lookup, bool required,
        Func<IReadOnlyList<string>, (string Result, string? Detail)> judge, string? note = null)
    {
        var (result, detail) = lookup.Status switch
        {
            DnsLookupStatus.Found => judge(lookup.Records),
            DnsLookupStatus.TemporaryFailure => (RecordCheckResults.LookupFailed, Failure(lookup.Error)),
            DnsLookupStatus.NameNotFound => (RecordCheckResults.NotFound, $"{record.Name} does not exist (NXDOMAIN)."),
            _ => (RecordCheckResults.NotFound, $"{record.Name} has no TXT record."),
        };
        // A note says what the record is for in a rotation, whatever was found.
        return new RecordCheck(record.Type, record.Name, record.Purpose, required, result,
            note is null ? detail : detail is null ? note : $"{detail} {note}");
    }

    private static string Failure(string? error) => $"The DNS lookup failed ({error ?? "no answer"}); verify again later.";

    private static bool IsSpf(string record) =>
        record.Trim().Equals("v=spf1", StringComparison.OrdinalIgnoreCase) || record.TrimStart().StartsWith("v=spf1 ", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 6376 §3.2 tag=value pairs; whitespace inside a value (folded base64) is dropped, the tag names kept in case.</summary>
    public static IReadOnlyDictionary<string, string> ParseTags(string record)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in record.Split(';'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            var name = part[..eq].Trim();
            var value = string.Concat(part[(eq + 1)..].Where(c => !char.IsWhiteSpace(c)));
            tags.TryAdd(name, value);
        }
        return tags;
    }

    private static string? Tag(IReadOnlyDictionary<string, string> tags, string name) => tags.TryGetValue(name, out var value) ? value : null;

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
