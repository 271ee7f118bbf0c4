using System.ComponentModel.DataAnnotations;
using System.Net;

namespace EmailRelay.Dns;

/// <summary>
/// <c>Delivery__Dns__*</c>: the DNS servers every lookup of the relay goes to (MX and address
/// lookups of direct delivery, the sending-domain checks of the API, DKIM records). The API reads
/// the same section, so one setting points the whole relay at one resolver.
/// </summary>
public sealed class DnsOptions : IValidatableObject
{
    public const string Section = "Delivery:Dns";

    /// <summary>Comma-separated <c>host:port</c> (port 53 when left out; IPv6 as <c>[::1]:53</c>). Empty: the system resolver.</summary>
    public string? Servers { get; set; }

    /// <summary>Per query and server try.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Tries after the first, per query.</summary>
    [Range(0, 10)] public int Retries { get; set; } = 2;

    /// <summary>A floor under the TTLs answers are cached for (0: the TTL as published).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MinimumCacheTtl { get; set; } = TimeSpan.Zero;

    /// <summary>A ceiling over the TTLs answers are cached for, so a changed record is seen within it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaximumCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an NXDOMAIN, a SERVFAIL or a timeout is remembered before the servers are asked again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan FailureCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TryParseServers(Servers, out _, out var error))
        {
            yield return new ValidationResult($"Delivery:Dns:Servers: {error}", [nameof(Servers)]);
        }
    }

    /// <summary>Parses <see cref="Servers"/>; an empty list means the system resolver.</summary>
    public static bool TryParseServers(string? value, out IReadOnlyList<IPEndPoint> servers, out string? error)
    {
        var list = new List<IPEndPoint>();
        servers = list;
        error = null;
        foreach (var item in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // An address alone is port 53; IPEndPoint.TryParse reads "1.2.3.4:53", "[::1]:53" and bare addresses.
            if (!IPEndPoint.TryParse(item, out var endpoint))
            {
                error = $"'{item}' is not an IP address with an optional port (e.g. 127.0.0.1:5353 or [::1]:53).";
                return false;
            }
            if (endpoint.Port == 0)
            {
                endpoint.Port = 53;
            }
            list.Add(endpoint);
        }
        return true;
    }
}
