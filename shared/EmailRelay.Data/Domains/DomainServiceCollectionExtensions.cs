using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailRelay.Data.Domains;

public static class DomainServiceCollectionExtensions
{
    /// <summary><c>Dkim__*</c> validated at start, and the <see cref="DkimKeyProtector"/> built on it.</summary>
    public static IServiceCollection AddRelayDkimKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DkimOptions>().Bind(configuration.GetSection(DkimOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DkimKeyProtector>();
        return services;
    }
}
