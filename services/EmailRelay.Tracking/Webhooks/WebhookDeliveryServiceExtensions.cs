using EmailRelay.Webhooks;
using Microsoft.Extensions.Options;

namespace EmailRelay.Tracking.Webhooks;

public static class WebhookDeliveryServiceExtensions
{
    /// <summary>The webhook dispatcher and its options (<c>Webhooks__*</c>), validated at start.</summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookDeliveryOptions>().Bind(configuration.GetSection(WebhookDeliveryOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddWebhookAddressGuard(configuration);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<WebhookDeliveryOptions>>().Value;
            return WebhookRetrySchedule.Parse(o.RetrySchedule, o.RetryJitter);
        });
        services.AddSingleton<WebhookDeliveryStore>();
        services.AddSingleton<WebhookClient>();
        services.AddSingleton<WebhookMetrics>();
        services.AddHostedService<WebhookDispatcher>();
        // Shutdown lets the requests in flight finish: give it at least the request timeout.
        services.AddOptions<HostOptions>().PostConfigure<IOptions<WebhookDeliveryOptions>>((host, o) =>
        {
            var needed = o.Value.Timeout + TimeSpan.FromSeconds(10);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        return services;
    }
}
