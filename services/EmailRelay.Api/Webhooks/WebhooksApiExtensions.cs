using EmailRelay.Webhooks;

namespace EmailRelay.Api.Webhooks;

public static class WebhooksApiExtensions
{
    /// <summary>The webhook endpoints API: its options (<c>Webhooks__RotationGrace</c>, <c>Webhooks__AllowPrivateNetworks</c>) and stores.</summary>
    public static IServiceCollection AddWebhooksApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookApiOptions>().Bind(configuration.GetSection(WebhookApiOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddWebhookAddressGuard(configuration);
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookDeliveries>();
        return services;
    }
}
