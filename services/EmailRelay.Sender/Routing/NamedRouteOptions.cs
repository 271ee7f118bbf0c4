using System.ComponentModel.DataAnnotations;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// <c>Delivery__Routes__&lt;name&gt;__*</c>: mail for some recipient domains goes to a named smarthost
/// instead of where <c>Delivery__Mode</c> sends the rest, as Postfix's <c>transport_maps</c> does.
/// </summary>
public sealed class NamedRouteOptions
{
    /// <summary>Comma-separated recipient domains: <c>example.com</c> exactly, <c>*.example.com</c> for every subdomain (not the domain itself).</summary>
    [Required] public string Domains { get; set; } = "";

    [Required] public string Host { get; set; } = "";
    [Range(1, 65535)] public int Port { get; set; } = 25;
    public TlsMode Tls { get; set; } = TlsMode.Opportunistic;

    /// <summary>For a smarthost with a private CA or a self-signed certificate; opportunistic TLS never checks.</summary>
    public bool AcceptInvalidCertificates { get; set; }

    public string? Username { get; set; }
    public string? Password { get; set; }

    public SmtpEndpoint ToEndpoint() => new(Host.Trim(), null, Port, Tls, AcceptInvalidCertificates, Username, Password);

    /// <summary>What is wrong with this route, each line naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return "Host is required.";
        }
        if (Port is < 1 or > 65535)
        {
            yield return $"Port {Port} is not between 1 and 65535.";
        }
        var patterns = (Domains ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (patterns.Length == 0)
        {
            yield return "Domains is required: comma-separated recipient domains, e.g. 'example.com,*.example.com'.";
        }
        foreach (var pattern in patterns)
        {
            if (!DomainPattern.TryParse(pattern, out _, out var error))
            {
                yield return $"Domains: {error}";
            }
        }
        if (Username is not null && Tls != TlsMode.Required)
        {
            // Credentials must never cross the network in clear text.
            yield return "Username is set, so Tls must be 'required' (AUTH only over TLS).";
        }
        if ((Username is null) != (Password is null))
        {
            yield return "Username and Password are set together.";
        }
    }
}
