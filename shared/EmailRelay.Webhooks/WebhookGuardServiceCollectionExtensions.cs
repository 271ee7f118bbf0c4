using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailRelay.Webhooks;

public static class WebhookGuardServiceCollectionExtensions
{
    /// <summary><c>Webhooks__AllowPrivateNetworks</c> and the guard that applies it: one registration for the API and Tracking.</summary>
    public static IServiceCollection AddWebhookAddressGuard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookNetworkOptions>().Bind(configuration.GetSection(WebhookNetworkOptions.Section));
        services.AddSingleton<WebhookAddressGuard>();
        return services;
    }
}
