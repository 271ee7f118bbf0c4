using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EmailRelay.ServiceDefaults;

public static class BusExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ with publisher confirms (MassTransit's default, kept explicit because
    /// a 202 depends on it). <paramref name="configure"/> adds the host's consumers and endpoints.
    /// </summary>
    public static IServiceCollection AddRelayBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configure = null)
    {
        services.AddOptions<RabbitMqOptions>().Bind(configuration.GetSection(RabbitMqOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddMassTransit(bus =>
        {
            // A self-hosted relay never phones home (and often cannot: egress is closed).
            bus.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            bus.SetKebabCaseEndpointNameFormatter();
            registerConsumers?.Invoke(bus);
            bus.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.Host(options.Host, (ushort)options.Port, options.VirtualHost, h =>
                {
                    h.Username(options.Username);
                    h.Password(options.Password);
                    h.PublisherConfirmation = true;
                });
                configure?.Invoke(context, cfg);
            });
        });
        // A host must not block forever at start when the broker is down: the API still accepts
        // (the dispatcher publishes later) and the bus reconnects in the background.
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return services;
    }
}
