using System.Security.Cryptography.X509Certificates;

namespace EmailRelay.DevSmtp;

public sealed class SmtpServerOptions
{
    /// <summary>0 picks an ephemeral port; read the chosen one from <see cref="SmtpTestServer.Port"/>.</summary>
    public int Port { get; init; }

    public string Hostname { get; init; } = "devsmtp.localhost";

    /// <summary>The IPv4 address to listen on: loopback unless a catcher must be reached from elsewhere (a container).</summary>
    public System.Net.IPAddress ListenAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>When set, STARTTLS is offered with this certificate (it must carry its private key).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>When set, AUTH PLAIN LOGIN is offered after STARTTLS and MAIL requires it.</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>When set, every recorded message is written there as &lt;sequence&gt;-&lt;id&gt;.eml.</summary>
    public string? SaveDirectory { get; init; }

    public long MaxMessageSize { get; init; } = 50 * 1024 * 1024;

    /// <summary>
    /// False keeps <see cref="SmtpTestServer.Messages"/> and <see cref="SmtpTestServer.Commands"/> empty,
    /// so a long-running catcher does not grow without bound; counting and events still work.
    /// </summary>
    public bool RecordHistory { get; init; } = true;
}
