using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EmailRelay.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers one pooled <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:Postgres</c>,
    /// and a second, keyed <see cref="RelayDataSource.CustomPlans"/>, made only if a service asks for it.
    /// </summary>
    public static IServiceCollection AddRelayData(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Postgres is not set (environment: ConnectionStrings__Postgres).");
        }
        services.AddSingleton(_ => RelayDataSource.Create(connectionString));
        services.AddKeyedSingleton(RelayDataSource.CustomPlans, (_, _) => RelayDataSource.Create(connectionString, customPlans: true));
        return services;
    }
}
