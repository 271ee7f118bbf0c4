using System.Net;
using EmailRelay.Data.Bounces;
using Microsoft.Extensions.Options;
using SmtpServer;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// The SMTP listener of the bounce domain (DESIGN.md §1, the SmtpServer library): DSNs, complaints
/// and auto-replies sent to VERP return paths. Runs when <c>Bounces__Domain</c> is set.
/// </summary>
public sealed partial class BounceListener(
    IOptions<BounceOptions> bounces,
    IOptions<BounceListenerOptions> options,
    BounceMessageStore store,
    ILogger<BounceListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!bounces.Value.VerpEnabled)
        {
            LogDisabled(logger);
            return;
        }
        var settings = options.Value;
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(bounces.Value.Domain!)
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Parse(settings.ListenAddress), settings.Port))
                .SessionTimeout(settings.SessionTimeout))
            .MaxMessageSize(settings.MaxMessageBytes, MaxMessageSizeHandling.Strict)
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new BounceRecipientFilter(bounces.Value, settings));
        services.Add(store);
        var server = new SmtpServer.SmtpServer(serverOptions, services);
        LogListening(logger, settings.ListenAddress, settings.Port, bounces.Value.Domain!);
        await server.StartAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce listener on {Address}:{Port} for @{Domain}")]
    private static partial void LogListening(ILogger logger, string address, int port, string domain);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce listener off: Bounces__Domain is not set")]
    private static partial void LogDisabled(ILogger logger);
}
