namespace EmailRelay.Tracking.Events;

public static class FeedServiceExtensions
{
    /// <summary>The event feed's fan-out (<c>Feed__*</c>).</summary>
    public static IServiceCollection AddEventFeed(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FeedOptions>().Bind(configuration.GetSection(FeedOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EventFanOut>();
        services.AddSingleton<EventClock>();
        services.AddSingleton<FeedMetrics>();
        services.AddHostedService<FeedWorker>();
        return services;
    }
}
