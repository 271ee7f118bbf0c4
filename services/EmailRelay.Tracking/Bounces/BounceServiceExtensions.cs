using EmailRelay.Data.Bounces;

namespace EmailRelay.Tracking.Bounces;

public static class BounceServiceExtensions
{
    /// <summary>The bounce listener and what it records (<c>Bounces__*</c>).</summary>
    public static IServiceCollection AddBounceListener(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRelayBounces(configuration);
        services.AddOptions<BounceListenerOptions>().Bind(configuration.GetSection(BounceListenerOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BounceMatcher>();
        services.AddSingleton<BounceRecorder>();
        services.AddSingleton<BounceMetrics>();
        services.AddSingleton<BounceIntake>();
        services.AddSingleton<BounceMessageStore>();
        services.AddHostedService<BounceListener>();
        return services;
    }
}
