namespace EmailRelay.IntegrationTests.Infrastructure;

public sealed partial class RelayStack
{
    private int _extraApiCount;

    /// <summary>
    /// Another API process on this stack's database and virtual host, as a second replica behind
    /// a load balancer would be. The caller disposes it (before the stack).
    /// </summary>
    public async Task<ApiReplica> StartExtraApiAsync()
    {
        var port = TestPorts.Tcp();
        var name = $"api-{Interlocked.Increment(ref _extraApiCount) + 1}";
        var environment = new Dictionary<string, string>(_environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };
        var process = ServiceProcess.Start(name, TestSettings.ServiceDll("EmailRelay.Api"), environment, Path.Combine(_logDirectory, $"{name}.log"));
        try
        {
            await WaitUntilLiveAsync(process, port);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return new ApiReplica(process, port, BootstrapKey);
    }
}
