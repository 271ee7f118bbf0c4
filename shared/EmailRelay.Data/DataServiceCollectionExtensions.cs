using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EmailRelay.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>Registers one pooled <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:Postgres</c>.</summary>
    public static IServiceCollection AddRelayData(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Postgres is not set (environment: ConnectionStrings__Postgres).");
        }
        services.AddSingleton(_ => RelayDataSource.Create(connectionString));
        return services;
    }
}
