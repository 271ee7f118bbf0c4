namespace EmailRelay.Sender.Backlog;

public static class BacklogServiceCollectionExtensions
{
    /// <summary><c>Backlog__*</c> validated at start, and the sampler behind <c>emailrelay.backlog.oldest_pending_age</c>.</summary>
    public static IServiceCollection AddBacklogSampler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BacklogOptions>().Bind(configuration.GetSection(BacklogOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<BacklogSampler>();
        return services;
    }
}
