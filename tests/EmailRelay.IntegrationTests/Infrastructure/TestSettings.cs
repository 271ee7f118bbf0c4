namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>Where the real servers are; scripts/test.sh provisions them (scripts/deps.sh).</summary>
public static class TestSettings
{
    /// <summary>A role that may create databases: each stack gets a database of its own.</summary>
    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=relay;Password=relay;Database=relay;SSL Mode=Disable";

    public static string RabbitHost => Environment.GetEnvironmentVariable("TEST_RABBITMQ_HOST") ?? "127.0.0.1";

    /// <summary>The management API, used to make a virtual host per stack so stacks never share queues.</summary>
    public static Uri RabbitManagement => new(Environment.GetEnvironmentVariable("TEST_RABBITMQ_MANAGEMENT") ?? "http://127.0.0.1:15672/");

    public static string RabbitUser => Environment.GetEnvironmentVariable("TEST_RABBITMQ_USER") ?? "guest";

    public static string RabbitPassword => Environment.GetEnvironmentVariable("TEST_RABBITMQ_PASSWORD") ?? "guest";

    /// <summary>The folder holding EmailRelay.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Debug or Release: the services are run from the same configuration as the tests.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string ServiceDll(string project) =>
        Path.Combine(RepositoryRoot, "services", project, "bin", Configuration, "net10.0", project + ".dll");

    public static string ResultsDirectory =>
        Environment.GetEnvironmentVariable("RESULTS") ?? Path.Combine(RepositoryRoot, ".run", "test-results");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EmailRelay.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("EmailRelay.sln not found above " + AppContext.BaseDirectory);
    }
}
