using System.Net.Http.Headers;
using System.Text;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>A RabbitMQ virtual host per stack: its queues and exchanges are its own.</summary>
public sealed class TestVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;

    private TestVirtualHost(string name, HttpClient management)
    {
        Name = name;
        _management = management;
    }

    public string Name { get; }

    public static async Task<TestVirtualHost> CreateAsync()
    {
        var management = new HttpClient { BaseAddress = TestSettings.RabbitManagement };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestSettings.RabbitUser}:{TestSettings.RabbitPassword}")));
        var name = "relay-test-" + Guid.NewGuid().ToString("N")[..10];
        (await management.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await management.PutAsync($"api/permissions/{name}/{TestSettings.RabbitUser}", permissions)).EnsureSuccessStatusCode();
        return new TestVirtualHost(name, management);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _management.DeleteAsync($"api/vhosts/{Name}");
        }
        catch (HttpRequestException)
        {
            // The broker may be stopped by a fault test; a leftover vhost is harmless.
        }
        _management.Dispose();
    }
}
