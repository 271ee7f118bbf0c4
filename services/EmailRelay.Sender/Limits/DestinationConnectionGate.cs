using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Limits;

/// <summary>
/// Puts the cluster-wide connection limit per host in front of every new SMTP connection of direct
/// delivery (an MX host, dialled by the address the relay resolved). A smarthost or a named route
/// is a relay the operator runs, bounded per sender by <c>Delivery__Smarthost__MaxConnections</c>;
/// it takes cluster-wide slots only when an override of <c>Delivery__Limits__Destinations</c> names it.
/// </summary>
public sealed class DestinationConnectionGate(DestinationLimiter limiter) : ISmtpConnectionGate
{
    public async Task<IAsyncDisposable?> TryEnterAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (!Applies(endpoint))
        {
            return await OpenSmtpConnectionGate.Instance.TryEnterAsync(endpoint, cancellationToken);
        }
        return await limiter.TryAcquireConnectionAsync(endpoint.Host, cancellationToken);
    }

    /// <summary>The pool size of an endpoint: direct hosts carry their limit's messages per connection.</summary>
    public SmtpPoolSettings PoolSettings(SmtpEndpoint endpoint, SmtpPoolSettings defaults) =>
        Applies(endpoint) ? defaults with { MaxMessagesPerConnection = limiter.LimitsFor(endpoint.Host).MaxMessagesPerConnection } : defaults;

    private bool Applies(SmtpEndpoint endpoint) => endpoint.Address is not null || limiter.LimitsFor(endpoint.Host).Override is not null;
}
