using EmailRelay.Classification;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// A <see cref="RouteTarget"/> resolved: the endpoints to try, in order, or why there are none —
/// <see cref="TransportFailure.HostNotFound"/> (NXDOMAIN, null MX: permanent) or
/// <see cref="TransportFailure.DnsFailure"/> (SERVFAIL, timeout: ask again later).
/// </summary>
public sealed record Destination(RouteTarget Target, IReadOnlyList<SmtpEndpoint> Endpoints, TransportFailure? Failure = null,
    string? FailureDetail = null)
{
    public string Name => Target.Name;
}
