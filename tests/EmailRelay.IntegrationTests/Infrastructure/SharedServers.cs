using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// Stops and starts the PostgreSQL and RabbitMQ servers themselves (scripts/deps.sh runs them on this
/// machine). Every stack on the machine sees the outage, so only the fault tests call this, and they
/// always start the server again in a finally block.
/// </summary>
public static class SharedServers
{
    /// <summary>The newest local cluster, as scripts/deps.sh picks it.</summary>
    private static string PostgresVersion =>
        Directory.GetDirectories("/etc/postgresql").Select(Path.GetFileName).OrderBy(v => int.Parse(v!, System.Globalization.CultureInfo.InvariantCulture)).Last()!;

    /// <summary>A fast shutdown, as a restart by an operator or a failover does: sessions are cut, open transactions roll back.</summary>
    public static Task StopPostgresAsync() => RunAsync("pg_ctlcluster", PostgresVersion, "main", "stop", "--mode", "fast");

    /// <summary>Starts the cluster unless it runs (so a finally block may call it whatever happened before).</summary>
    public static async Task StartPostgresAsync()
    {
        if (await RunAsync(check: false, "pg_ctlcluster", PostgresVersion, "main", "status") != 0)
        {
            await RunAsync("pg_ctlcluster", PostgresVersion, "main", "start");
        }
    }

    /// <summary>
    /// The RabbitMQ application stops: its listener closes, every connection is cut, queues stop.
    /// The Erlang VM stays up, which only saves its boot time; what clients see is a broker restart.
    /// </summary>
    public static Task StopRabbitMqAsync() => RunAsync("rabbitmqctl", "-q", "stop_app");

    public static async Task StartRabbitMqAsync()
    {
        await RunAsync("rabbitmqctl", "-q", "start_app");
        await RunAsync("rabbitmqctl", "-q", "await_startup", "--timeout", "60");
    }

    /// <summary>Waits until a quorum queue has a leader and runs again (after a broker restart it recovers from its log).</summary>
    public static async Task WaitForQueueAsync(string virtualHost, string queue, TimeSpan timeout)
    {
        using var management = new HttpClient { BaseAddress = TestSettings.RabbitManagement, Timeout = TimeSpan.FromSeconds(5) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestSettings.RabbitUser}:{TestSettings.RabbitPassword}")));
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await management.GetAsync($"api/queues/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(queue)}");
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    var root = JsonDocument.Parse(last).RootElement;
                    if (root.TryGetProperty("state", out var state) && state.GetString() == "running"
                        && root.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.String)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"queue {queue} in {virtualHost} not running after {timeout}: {last}");
    }

    private static async Task RunAsync(string file, params string[] args) => await RunAsync(check: true, file, args);

    private static async Task<int> RunAsync(bool check, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} could not be started");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {error}{await output}");
        }
        return process.ExitCode;
    }
}
