using System.Diagnostics.Metrics;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Pooling, per endpoint host: how often a session is opened against how often one is reused, and
/// how many transactions a session carried before it closed — the figures that say whether
/// connection reuse, the main lever of SMTP throughput, works.
/// </summary>
public sealed class SmtpMetrics
{
    private readonly Counter<long> _opened;
    private readonly Counter<long> _reused;
    private readonly Counter<long> _tlsFallbacks;
    private readonly Histogram<long> _messagesPerConnection;

    public SmtpMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _opened = meter.CreateCounter<long>("emailrelay.smtp.connections.opened",
            description: "SMTP sessions opened (TCP, greeting, EHLO, STARTTLS, AUTH), by endpoint host and TLS");
        _reused = meter.CreateCounter<long>("emailrelay.smtp.connections.reused",
            description: "Transactions started on a session taken from the pool instead of a new one, by endpoint host");
        _tlsFallbacks = meter.CreateCounter<long>("emailrelay.smtp.tls_fallbacks",
            description: "Sessions opened in clear text after a failed STARTTLS handshake where TLS is optional, by endpoint host");
        _messagesPerConnection = meter.CreateHistogram<long>("emailrelay.smtp.connection.messages", unit: "{message}",
            description: "Transactions one SMTP session carried before it was closed, by endpoint host");
    }

    public void Opened(PooledConnection connection)
    {
        _opened.Add(1, new KeyValuePair<string, object?>("host", connection.RemoteHost), new KeyValuePair<string, object?>("tls", connection.Tls));
        if (connection.TlsFallback is not null)
        {
            _tlsFallbacks.Add(1, new KeyValuePair<string, object?>("host", connection.RemoteHost));
        }
    }

    public void Reused(PooledConnection connection) => _reused.Add(1, new KeyValuePair<string, object?>("host", connection.RemoteHost));

    public void Closed(PooledConnection connection) =>
        _messagesPerConnection.Record(connection.Transactions, new KeyValuePair<string, object?>("host", connection.RemoteHost));
}
