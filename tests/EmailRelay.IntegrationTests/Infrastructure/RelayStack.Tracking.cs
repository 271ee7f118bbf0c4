namespace EmailRelay.IntegrationTests.Infrastructure;

public sealed partial class RelayStack
{
    private readonly List<ServiceProcess> _trackers = [];

    /// <summary>The Tracking processes started on this stack, oldest first.</summary>
    public IReadOnlyList<ServiceProcess> Trackers => _trackers;

    /// <summary>
    /// Starts another Tracking process (a replica) on this stack's database and virtual host, with
    /// <paramref name="settings"/> on top of the stack's. The stack stops it when disposed.
    /// </summary>
    public async Task<ServiceProcess> StartTrackingAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var name = $"tracking-{_trackers.Count + 1}";
        var environment = new Dictionary<string, string>(_environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var process = ServiceProcess.Start(name, TestSettings.ServiceDll("EmailRelay.Tracking"), environment, Path.Combine(_logDirectory, $"{name}.log"));
        _trackers.Add(process);
        await WaitUntilLiveAsync(process, port, ready: true);
        return process;
    }

    private async Task StopTrackersAsync()
    {
        foreach (var tracker in _trackers)
        {
            await tracker.DisposeAsync();
        }
    }
}
