using System.Net;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// One SMTP server to talk to, and how: the identity of a connection pool (two endpoints that differ
/// in anything here never share a session). <see cref="Host"/> is the server's name (certificate
/// checks, logs, the attempt record); <see cref="Address"/>, when set, is the IP actually dialled,
/// as direct delivery resolves MX hosts itself.
/// </summary>
public sealed record SmtpEndpoint(string Host, IPAddress? Address, int Port, TlsMode Tls, bool AcceptInvalidCertificates,
    string? Username = null, string? Password = null)
{
    /// <summary>"host[ip]:port (tls mode)"; never the password.</summary>
    public override string ToString() =>
        $"{Host}{(Address is null ? "" : $"[{Address}]")}:{Port} (tls {Tls.ToString().ToLowerInvariant()}{(Username is null ? "" : $", user {Username}")})";
}
