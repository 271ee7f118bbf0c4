using System.Diagnostics;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

public sealed class MigrationTests
{
    [Fact]
    public async Task Concurrent_migrate_commands_apply_the_schema_once()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => MigrateAsync(database.ConnectionString)));

        var migrations = Directory.GetFiles(Path.Combine(TestSettings.RepositoryRoot, "shared", "EmailRelay.Data", "Migrations"), "*.sql").Length;
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Output));
        Assert.Single(runs, r => r.Output.Contains($"applied {migrations} migration", StringComparison.Ordinal));
        Assert.Equal(2, runs.Count(r => r.Output.Contains("up to date", StringComparison.Ordinal)));
        Assert.Equal(migrations, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
        Assert.True(await database.ScalarAsync<bool>("SELECT to_regclass('public.messages') IS NOT NULL"));
    }

    private static async Task<(int ExitCode, string Output)> MigrateAsync(string connectionString)
    {
        var dll = TestSettings.ServiceDll("EmailRelay.Api");
        var info = new ProcessStartInfo("dotnet", [dll, "migrate"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ConnectionStrings__Postgres"] = connectionString },
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
