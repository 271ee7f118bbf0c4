using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Routing;

/// <summary>A route of <c>Delivery__Routes__&lt;name&gt;</c>: its name and its smarthost.</summary>
public sealed record NamedRoute(string Name, SmtpEndpoint Endpoint);
