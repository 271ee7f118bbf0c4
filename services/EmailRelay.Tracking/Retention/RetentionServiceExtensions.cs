namespace EmailRelay.Tracking.Retention;

public static class RetentionServiceExtensions
{
    /// <summary>Retention and the history's partitions (<c>Retention__*</c>).</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RetentionMetrics>();
        services.AddSingleton<RetentionPass>();
        services.AddHostedService<RetentionWorker>();
        return services;
    }
}
