using EmailRelay.Data.Domains;

namespace EmailRelay.Sender.Signing;

public static class MessageSigningExtensions
{
    /// <summary>
    /// DKIM signing and the Received trace field: <c>Dkim__MasterKey</c> (validated at start) to open
    /// the keys, the key store, the signer and the factory of outgoing messages.
    /// </summary>
    public static IServiceCollection AddMessageSigning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRelayDkimKeys(configuration);
        services.AddSingleton<DkimKeyStore>();
        services.AddSingleton<MessageSigner>();
        services.AddSingleton(new TraceField(System.Net.Dns.GetHostName()));
        services.AddSingleton<OutgoingMessageFactory>();
        return services;
    }
}
