using EmailRelay.Classification;
using EmailRelay.Data;
using EmailRelay.Sender.Delivery;
using EmailRelay.Sender.Dispatch;
using EmailRelay.Sender.Smtp;
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
        services.AddOptions<DeliveryOptions>().Bind(builder.Configuration.GetSection(DeliveryOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SenderOptions>().Bind(builder.Configuration.GetSection(SenderOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DispatcherOptions>().Bind(builder.Configuration.GetSection(DispatcherOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(ReplyClassifier.Default);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            return RetrySchedule.Parse(o.RetrySchedule, o.RetryJitter);
        });
        services.AddSingleton<AttemptPlanner>();
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton(sp =>
        {
            var smarthost = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.Smarthost;
            return new SmtpConnectionPool(SmtpRoute.FromSmarthost(smarthost), smarthost.MaxConnections,
                smarthost.MaxMessagesPerConnection, smarthost.IdleTimeout, sp.GetRequiredService<ILogger<SmtpConnectionPool>>());
        });
        services.AddSingleton<SmtpTransactionRunner>();
        services.AddHostedService<Dispatcher>();

        services.AddRelayBus(builder.Configuration,
            bus => bus.AddConsumer<DeliverMessageConsumer, DeliverMessageConsumerDefinition>(),
            (context, cfg) => cfg.ConfigureEndpoints(context));
        return builder;
    }
}
