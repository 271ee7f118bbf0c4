using EmailRelay.Classification;
using EmailRelay.Data;
using EmailRelay.Data.Bounces;
using EmailRelay.Sender.Backlog;
using EmailRelay.Sender.Delivery;
using EmailRelay.Sender.Limits;
using EmailRelay.Sender.Dispatch;
using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Signing;
using EmailRelay.Sender.Smtp;
using EmailRelay.Dns;
using EmailRelay.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Extensions;

public static class SenderServiceExtensions
{
    public static IHostApplicationBuilder AddSenderServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRelayData(builder.Configuration);
        services.AddRelayOutbox(builder.Configuration);
        services.AddOptions<DeliveryOptions>().Bind(builder.Configuration.GetSection(DeliveryOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SenderOptions>().Bind(builder.Configuration.GetSection(SenderOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DispatcherOptions>().Bind(builder.Configuration.GetSection(DispatcherOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddRelayBounces(builder.Configuration);
        services.AddMessageSigning(builder.Configuration);

        services.AddSingleton(ReplyClassifier.Default);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            return RetrySchedule.Parse(o.RetrySchedule, o.RetryJitter);
        });
        services.AddSingleton<AttemptPlanner>();
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<LeaseGroupCommit>();
        services.AddSingleton<RecordGroupCommit>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSenderRouting(builder.Configuration);
        services.AddSingleton<ReturnPath>();
        services.AddSingleton<DeliverQueueProbe>();
        services.AddSingleton<DispatchMetrics>();
        services.AddHostedService<Dispatcher>();
        services.AddBacklogSampler(builder.Configuration);

        services.AddRelayBus(builder.Configuration,
            bus =>
            {
                bus.AddConsumer<DeliverMessageConsumer, DeliverMessageConsumerDefinition>();
                bus.AddConsumer<ErrorQueueDrainConsumer, ErrorQueueDrainConsumerDefinition>();
            },
            (context, cfg) => cfg.ConfigureEndpoints(context));
        services.AddSenderShutdown();
        return builder;
    }

    /// <summary>
    /// Where mail goes and how it gets there: the route table, the DNS resolver of direct delivery
    /// (<c>Delivery__Dns__*</c>), and one SMTP pool per endpoint, all from <c>Delivery__*</c>.
    /// </summary>
    private static void AddSenderRouting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRelayDns(configuration);
        services.AddDeliveryLimits(configuration);
        services.AddSingleton<DestinationConnectionGate>();
        services.AddSingleton<DestinationPacing>();
        services.AddSingleton<SmtpMetrics>();
        services.AddSingleton(sp =>
        {
            var smarthost = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.Smarthost;
            var gate = sp.GetRequiredService<DestinationConnectionGate>();
            var defaults = smarthost.PoolSettings();
            return new SmtpPoolRegistry(smarthost.ClientSettings(), defaults, sp.GetRequiredService<SmtpMetrics>(),
                sp.GetRequiredService<ILogger<SmtpConnectionPool>>(), e => gate.PoolSettings(e, defaults), gate);
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            return new Router(o.Mode, o.Smarthost.ToEndpoint(), new RouteTable(o.Routes));
        });
        services.AddSingleton(sp => new DestinationResolver(sp.GetRequiredService<RelayDns>(),
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.Direct, Random.Shared));
    }

    /// <summary>
    /// SIGTERM: MassTransit stops taking commands at once, lets in-flight consumes run for the grace,
    /// then cancels their tokens (ConsumerStopTimeout; without it they are cancelled at once); the
    /// consumer then releases what has not reached DATA. A transaction past DATA is never cut (the
    /// remote may have the message): it ends with the reply or the command timeout, recorded either
    /// way, so MassTransit's stop and the host's shutdown wait for that too before the process exits.
    /// </summary>
    private static void AddSenderShutdown(this IServiceCollection services)
    {
        services.AddOptions<MassTransitHostOptions>().PostConfigure<IOptions<SenderOptions>, IOptions<DeliveryOptions>>((o, sender, delivery) =>
        {
            o.ConsumerStopTimeout = sender.Value.ShutdownGrace;
            o.StopTimeout = StopTimeout(sender.Value, delivery.Value);
        });
        services.AddOptions<HostOptions>().PostConfigure<IOptions<SenderOptions>, IOptions<DeliveryOptions>>((o, sender, delivery) =>
            o.ShutdownTimeout = StopTimeout(sender.Value, delivery.Value) + TimeSpan.FromSeconds(5));
    }

    private static TimeSpan StopTimeout(SenderOptions sender, DeliveryOptions delivery) =>
        sender.ShutdownGrace + delivery.Smarthost.CommandTimeout + TimeSpan.FromSeconds(5);
}
