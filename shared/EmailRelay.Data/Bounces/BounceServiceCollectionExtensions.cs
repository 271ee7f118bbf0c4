using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailRelay.Data.Bounces;

public static class BounceServiceCollectionExtensions
{
    /// <summary><c>Bounces__*</c>, validated at start: the sender encodes VERP return paths with it, Tracking decodes them.</summary>
    public static IServiceCollection AddRelayBounces(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BounceOptions>().Bind(configuration.GetSection(BounceOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
