using System.ComponentModel.DataAnnotations;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary><c>Delivery__Direct__*</c>: how the recipient domains' own mail servers are reached in direct mode.</summary>
public sealed class DirectOptions
{
    /// <summary>25 on the internet; tests point it at an unprivileged port their servers listen on.</summary>
    [Range(1, 65535)] public int Port { get; set; } = 25;

    /// <summary>
    /// Opportunistic by default, as every MTA on the internet does: MX hosts are found through
    /// unauthenticated DNS, so a certificate check proves nothing without DANE or MTA-STS.
    /// </summary>
    public TlsMode Tls { get; set; } = TlsMode.Opportunistic;
}
