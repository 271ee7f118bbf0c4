using System.Net.Http.Headers;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>An extra API process of a <see cref="RelayStack"/> and a client for it (bootstrap key).</summary>
public sealed class ApiReplica(ServiceProcess process, int port, string key) : IAsyncDisposable
{
    public ServiceProcess Process { get; } = process;

    public HttpClient Api { get; } = new HttpClient
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
    };

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Process.DisposeAsync();
    }
}
