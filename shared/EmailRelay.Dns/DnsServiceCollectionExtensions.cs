using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailRelay.Dns;

public static class DnsServiceCollectionExtensions
{
    /// <summary><see cref="RelayDns"/> on <c>Delivery__Dns__*</c>, validated at start; one per process, so its cache is shared.</summary>
    public static IServiceCollection AddRelayDns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DnsOptions>().Bind(configuration.GetSection(DnsOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RelayDns>();
        return services;
    }
}
