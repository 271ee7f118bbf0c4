using EmailRelay.Data;

namespace EmailRelay.Api.Extensions;

/// <summary>
/// <c>EmailRelay.Api migrate</c>: applies the schema once, as a deploy step (Helm hook, compose
/// one-shot, start script), never from every replica at start.
/// </summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync("ConnectionStrings:Postgres is not set (environment: ConnectionStrings__Postgres).");
            return 2;
        }
        await using var dataSource = RelayDataSource.Create(connectionString);
        var applied = await Migrator.MigrateAsync(dataSource, CancellationToken.None);
        Console.WriteLine(applied.Count == 0 ? "schema is up to date" : $"applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
}
