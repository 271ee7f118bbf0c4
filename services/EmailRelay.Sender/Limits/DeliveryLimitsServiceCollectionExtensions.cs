using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EmailRelay.Sender.Limits;

public static class DeliveryLimitsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DestinationLimiter"/> with its options (<c>Delivery:Limits</c>, validated
    /// at start) and the pruner. Needs the relay's <see cref="Npgsql.NpgsqlDataSource"/> (AddRelayData).
    /// </summary>
    public static IServiceCollection AddDeliveryLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeliveryLimitsOptions>().Bind(configuration.GetSection(DeliveryLimitsOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DestinationLimitsStore>();
        services.AddSingleton<DestinationLimitsMetrics>();
        services.AddSingleton<DestinationLimiter>();
        services.AddHostedService<DestinationLimitsPruner>();
        return services;
    }
}
