using EmailRelay.Data.Bounces;
using EmailRelay.Data.Domains;
using EmailRelay.Dns;

namespace EmailRelay.Api.Domains;

public static class DomainsApiExtensions
{
    /// <summary>
    /// Sending domains: <c>Domains__*</c> and <c>Senders__*</c> validated at start, the relay's DNS
    /// (<c>Delivery__Dns__*</c>) for verification, the DKIM key sealing (<c>Dkim__MasterKey</c>), and
    /// the verified-domain check of the accept path.
    /// </summary>
    public static IServiceCollection AddDomainsApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DomainOptions>().Bind(configuration.GetSection(DomainOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SendersOptions>().Bind(configuration.GetSection(SendersOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        // Only the bounce domain is read here (for the advised return-path MX); the sender and
        // Tracking, which use the VERP secret, bind and validate the whole section.
        services.AddOptions<BounceOptions>().Bind(configuration.GetSection(BounceOptions.Section));
        services.AddRelayDns(configuration);
        services.AddRelayDkimKeys(configuration);
        services.AddSingleton<DomainStore>();
        services.AddSingleton<DomainVerifier>();
        services.AddSingleton<DomainPresenter>();
        services.AddSingleton<DkimKeyFactory>();
        services.AddSingleton<VerifiedDomains>();
        services.AddSingleton<SenderDomainCheck>();
        return services;
    }
}
