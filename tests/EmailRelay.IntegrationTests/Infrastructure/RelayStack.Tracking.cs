namespace EmailRelay.IntegrationTests.Infrastructure;

public sealed partial class RelayStack
{
    private readonly List<ServiceProcess> _trackers = [];
    private readonly Dictionary<ServiceProcess, int> _bouncePorts = [];

    /// <summary>The Tracking processes started on this stack, oldest first.</summary>
    public IReadOnlyList<ServiceProcess> Trackers => _trackers;

    /// <summary>The loopback port of a Tracking process's bounce listener (the first one's when none is named).</summary>
    public int BouncePort(ServiceProcess? tracker = null) => _bouncePorts[tracker ?? _trackers[0]];

    /// <summary>
    /// Starts another Tracking process (a replica) on this stack's database and virtual host, with
    /// <paramref name="settings"/> on top of the stack's. The stack stops it when disposed.
    /// </summary>
    public async Task<ServiceProcess> StartTrackingAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = TestPorts.Tcp();
        var name = $"tracking-{_trackers.Count + 1}";
        var bouncePort = TestPorts.Tcp();
        var environment = new Dictionary<string, string>(_environment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Bounces__Port"] = bouncePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bounces__ListenAddress"] = "127.0.0.1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var process = ServiceProcess.Start(name, TestSettings.ServiceDll("EmailRelay.Tracking"), environment, Path.Combine(_logDirectory, $"{name}.log"));
        _trackers.Add(process);
        _bouncePorts[process] = bouncePort;
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
