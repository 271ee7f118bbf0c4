using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;

namespace EmailRelay.Dns;

/// <summary>
/// The relay's DNS lookups, through the configured servers (<see cref="DnsOptions"/>), turned into
/// the few outcomes delivery and verification decide on. Answers are cached for their TTL (within
/// the configured floor and ceiling) by DnsClient; a verification check asks the servers afresh,
/// since the user has just published the record it looks for.
/// </summary>
public sealed class RelayDns
{
    private readonly LookupClient _client;
    private readonly IReadOnlyList<NameServer> _servers;

    public RelayDns(IOptions<DnsOptions> options)
    {
        var o = options.Value;
        DnsOptions.TryParseServers(o.Servers, out var configured, out _);
        _servers = configured.Count > 0
            ? configured.Select(e => new NameServer(e)).ToList()
            : NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false).ToList();
        _client = new LookupClient(new LookupClientOptions([.. _servers])
        {
            UseCache = true,
            MinimumCacheTimeout = o.MinimumCacheTtl > TimeSpan.Zero ? o.MinimumCacheTtl : null,
            MaximumCacheTimeout = o.MaximumCacheTtl,
            CacheFailedResults = o.FailureCacheDuration > TimeSpan.Zero,
            FailedResultsCacheDuration = o.FailureCacheDuration > TimeSpan.Zero ? o.FailureCacheDuration : TimeSpan.FromMilliseconds(1),
            Timeout = o.Timeout,
            Retries = o.Retries,
            ThrowDnsErrors = false,
            // A SERVFAIL from one server is worth asking the next about; an NXDOMAIN is an answer.
            ContinueOnDnsError = true,
            UseTcpFallback = true,
            // Search suffixes of the host must never turn "example.com" into "example.com.corp.lan".
            AutoResolveNameServers = false,
        });
    }

    /// <summary>The servers asked, for logs and diagnostics.</summary>
    public IReadOnlyList<string> Servers => _servers.Select(s => s.ToString()).ToList();

    /// <summary>MX records in preference order (equal preferences in the order received: the caller shuffles).</summary>
    public async Task<MxLookup> LookupMxAsync(string domain, CancellationToken cancellationToken)
    {
        var (response, error) = await QueryAsync(domain, QueryType.MX, fresh: false, cancellationToken);
        var status = Status(response, error, out var detail);
        if (status != DnsLookupStatus.Found)
        {
            return new MxLookup(status, [], detail);
        }
        var hosts = response!.Answers.MxRecords()
            .Select(r => new MxHost(r.Exchange.Value.TrimEnd('.'), r.Preference))
            .OrderBy(h => h.Preference)
            .ToList();
        return hosts.Count == 0 ? new MxLookup(DnsLookupStatus.NoRecords, []) : new MxLookup(DnsLookupStatus.Found, hosts);
    }

    /// <summary>A then AAAA records of <paramref name="host"/>; found when either has one.</summary>
    public async Task<AddressLookup> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var v4 = QueryAsync(host, QueryType.A, fresh: false, cancellationToken);
        var v6 = QueryAsync(host, QueryType.AAAA, fresh: false, cancellationToken);
        var (a, aError) = await v4;
        var (aaaa, aaaaError) = await v6;
        var addresses = new List<IPAddress>();
        var statusA = Status(a, aError, out var detailA);
        var statusAaaa = Status(aaaa, aaaaError, out var detailAaaa);
        if (statusA == DnsLookupStatus.Found)
        {
            addresses.AddRange(a!.Answers.ARecords().Select(r => r.Address));
        }
        if (statusAaaa == DnsLookupStatus.Found)
        {
            addresses.AddRange(aaaa!.Answers.AaaaRecords().Select(r => r.Address));
        }
        if (addresses.Count > 0)
        {
            return new AddressLookup(DnsLookupStatus.Found, addresses);
        }
        // No address: a temporary failure of either lookup may be hiding one, so it outranks "none".
        var status = statusA == DnsLookupStatus.TemporaryFailure || statusAaaa == DnsLookupStatus.TemporaryFailure ? DnsLookupStatus.TemporaryFailure
            : statusA == DnsLookupStatus.NameNotFound ? DnsLookupStatus.NameNotFound
            : DnsLookupStatus.NoRecords;
        return new AddressLookup(status, [], detailA ?? detailAaaa);
    }

    /// <summary>
    /// TXT records of <paramref name="name"/>. <paramref name="fresh"/>: bypass the cache (a
    /// verification the user asks for right after publishing the record).
    /// </summary>
    public async Task<TxtLookup> LookupTxtAsync(string name, bool fresh, CancellationToken cancellationToken)
    {
        var (response, error) = await QueryAsync(name, QueryType.TXT, fresh, cancellationToken);
        var status = Status(response, error, out var detail);
        if (status != DnsLookupStatus.Found)
        {
            return new TxtLookup(status, [], detail);
        }
        var records = response!.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
        return records.Count == 0 ? new TxtLookup(DnsLookupStatus.NoRecords, []) : new TxtLookup(DnsLookupStatus.Found, records);
    }

    private async Task<(IDnsQueryResponse? Response, string? Error)> QueryAsync(string name, QueryType type, bool fresh,
        CancellationToken cancellationToken)
    {
        try
        {
            var question = new DnsQuestion(name, type);
            var response = fresh
                ? await _client.QueryAsync(question, new DnsQueryAndServerOptions([.. _servers]) { UseCache = false, Timeout = _client.Settings.Timeout,
                    Retries = _client.Settings.Retries, ThrowDnsErrors = false, ContinueOnDnsError = true, UseTcpFallback = true }, cancellationToken)
                : await _client.QueryAsync(question, cancellationToken);
            return (response, null);
        }
        catch (DnsResponseException ex)
        {
            // Timeouts and unreachable servers: DnsClient throws these even with ThrowDnsErrors off.
            return (null, $"{ex.Code}: {ex.Message}");
        }
    }

    private static DnsLookupStatus Status(IDnsQueryResponse? response, string? error, out string? detail)
    {
        detail = error;
        if (response is null)
        {
            return DnsLookupStatus.TemporaryFailure;
        }
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                return response.Answers.Count == 0 ? DnsLookupStatus.NoRecords : DnsLookupStatus.Found;
            case DnsHeaderResponseCode.NotExistentDomain:
                detail = "NXDOMAIN";
                return DnsLookupStatus.NameNotFound;
            default:
                detail = response.Header.ResponseCode.ToString().ToUpperInvariant();
                return DnsLookupStatus.TemporaryFailure;
        }
    }
}
