namespace EmailRelay.Sender.Routing;

/// <summary>
/// One entry of a route's <c>Domains</c>: a domain matched exactly, or <c>*.domain</c> matching
/// every name under it at any depth (but not the domain itself). Stored as the lower-case A-label,
/// the form recipient domains are compared in.
/// </summary>
public sealed record DomainPattern(string Domain, bool Subdomains)
{
    public static bool TryParse(string text, out DomainPattern pattern, out string? error)
    {
        pattern = new DomainPattern("", false);
        var subdomains = text.StartsWith("*.", StringComparison.Ordinal);
        var domain = RecipientDomain.Normalize(subdomains ? text[2..] : text);
        if (domain is null || domain.Contains('*', StringComparison.Ordinal))
        {
            error = $"'{text}' is not a domain or '*.domain'.";
            return false;
        }
        error = null;
        pattern = new DomainPattern(domain, subdomains);
        return true;
    }

    public override string ToString() => Subdomains ? "*." + Domain : Domain;
}
