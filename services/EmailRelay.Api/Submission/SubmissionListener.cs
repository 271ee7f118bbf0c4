using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using SmtpServer;

namespace EmailRelay.Api.Submission;

/// <summary>
/// The SMTP submission listener (API.md §SMTP submission, the SmtpServer library): STARTTLS on
/// <c>Submission__Port</c> with AUTH offered only once TLS is up, implicit TLS on
/// <c>Submission__ImplicitTlsPort</c>. On stop (SIGTERM) it stops accepting connections, lets
/// running transactions finish within the host's shutdown timeout, and closes every session with
/// 421 4.3.2 once it is outside a transaction.
/// </summary>
public sealed partial class SubmissionListener(
    IOptions<SubmissionOptions> options,
    SubmissionAuthenticator authenticator,
    SubmissionMailboxFilter filter,
    SubmissionMessageStore store,
    ILogger<SubmissionListener> logger) : BackgroundService
{
    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }
        using var certificate = LoadCertificate(settings.CertificatePath!, settings.KeyPath!);
        var address = IPAddress.Parse(settings.ListenAddress);
        var builder = new SmtpServerOptionsBuilder()
            .ServerName(settings.ServerName)
            .MaxMessageSize(settings.MaxMessageBytes, MaxMessageSizeHandling.Strict);
        if (settings.Port > 0)
        {
            // AuthenticationRequired stays off so that MAIL reaches SubmissionMailboxFilter, which
            // refuses it with 530 5.7.0 until AUTH has succeeded; AUTH itself needs TLS first.
            builder.Endpoint(e => e.Endpoint(new IPEndPoint(address, settings.Port)).IsSecure(false)
                .AllowUnsecureAuthentication(false).Certificate(certificate).SessionTimeout(settings.SessionTimeout));
        }
        if (settings.ImplicitTlsPort > 0)
        {
            builder.Endpoint(e => e.Endpoint(new IPEndPoint(address, settings.ImplicitTlsPort)).IsSecure(true)
                .AllowUnsecureAuthentication(false).Certificate(certificate).SessionTimeout(settings.SessionTimeout));
        }
        var limiter = new ConnectionLimiter(settings.MaxConnections, settings.MaxConnectionsPerAddress);
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(authenticator);
        services.Add(filter);
        services.Add(store);
        services.Add(new SubmissionCommandFactory());
        var listeners = new LimitedEndpointListenerFactory(limiter, a => LogTooManyConnections(logger, a));
        services.Add(listeners);
        var server = new SmtpServer.SmtpServer(builder.Build(), services);

        // Not the stopping token: cancelling it would cut running sessions off mid-transaction.
        var running = server.StartAsync(CancellationToken.None);
        LogListening(logger, settings.ListenAddress, settings.Port, settings.ImplicitTlsPort);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            LogStopping(logger, limiter.Open);
            listeners.StopAccepting();
            // Wait for the open sessions to end: idle ones are told 421 at once, the others after
            // their transaction (each frees its place in the limiter when the library disposes its
            // connection). The host's shutdown timeout bounds this; a client cut off before its
            // 250 keeps its message and sends it again.
            while (limiter.Open > 0)
            {
                await Task.Delay(DrainPollInterval, CancellationToken.None);
            }
            server.Shutdown();
            await running;
            LogStopped(logger);
        }
    }

    /// <summary>
    /// The PEM pair, re-imported through PKCS#12: SslStream wants a certificate whose key is not
    /// ephemeral on every platform.
    /// </summary>
    private static X509Certificate2 LoadCertificate(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    [LoggerMessage(EventId = 1821, Level = LogLevel.Information, Message = "Submission listener on {Address}: STARTTLS port {Port}, implicit TLS port {ImplicitTlsPort} (0 = off)")]
    private static partial void LogListening(ILogger logger, string address, int port, int implicitTlsPort);

    [LoggerMessage(EventId = 1822, Level = LogLevel.Information, Message = "Submission listener off: Submission__Port and Submission__ImplicitTlsPort are not set")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 1823, Level = LogLevel.Information, Message = "Submission listener stopping: no new connections, waiting for {Open} open sessions")]
    private static partial void LogStopping(ILogger logger, int open);

    [LoggerMessage(EventId = 1824, Level = LogLevel.Information, Message = "Submission listener stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 1825, Level = LogLevel.Warning, Message = "Submission: connection from {Address} refused: connection limit")]
    private static partial void LogTooManyConnections(ILogger logger, string address);
}
