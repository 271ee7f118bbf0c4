using EmailRelay.Sender.Delivery;

namespace EmailRelay.Sender.Smtp;

/// <summary>What a pooled connection is for: a pool holds connections of one route only.</summary>
public sealed record SmtpRoute(string Host, int Port, TlsMode Tls, string? Username, string? Password, bool AcceptInvalidCertificates,
    string HeloName, TimeSpan ConnectTimeout, TimeSpan CommandTimeout)
{
    public static SmtpRoute FromSmarthost(SmarthostOptions o) =>
        new(o.Host, o.Port, o.Tls, o.Username, o.Password, o.AcceptInvalidCertificates,
            o.HeloName ?? System.Net.Dns.GetHostName(), o.ConnectTimeout, o.CommandTimeout);

    public override string ToString() => $"{Host}:{Port} (tls {Tls.ToString().ToLowerInvariant()})";
}
