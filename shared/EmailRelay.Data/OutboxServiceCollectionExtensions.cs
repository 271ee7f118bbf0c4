using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailRelay.Data;

public static class OutboxServiceCollectionExtensions
{
    /// <summary>The outbox rules and their options (<c>Outbox__*</c>): the one registration the API and the sender share.</summary>
    public static IServiceCollection AddRelayOutbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Outbox>();
        return services;
    }
}
