using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EmailRelay.DevSmtp;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// A whole EmailRelay on real servers: its own PostgreSQL database and RabbitMQ virtual host, a
/// scriptable SMTP server as smarthost, and the api and sender(s) as real processes.
/// </summary>
public sealed partial class RelayStack : IAsyncDisposable
{
    public const string BootstrapKey = "er_boot_integration_tests_0123456789";

    /// <summary>Every stack sends with VERP return paths on this domain, signed with <see cref="BounceSecret"/>.</summary>
    public const string BounceDomain = "bounces.test";

    public const string BounceSecret = "integration-tests-verp-secret-0123456789abcdef";

    /// <summary>The Dkim__MasterKey of every stack (bytes 1 to 32): fixed, so a test can open what the API sealed.</summary>
    public const string DkimMasterKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    private readonly Dictionary<string, string> _environment;
    private readonly List<ServiceProcess> _senders = [];
    private readonly string _logDirectory;
    private readonly SmtpServerOptions _smtpOptions;
    private int _senderCount;

    private RelayStack(TestDatabase database, TestVirtualHost virtualHost, SmtpTestServer smtp, SmtpServerOptions smtpOptions,
        Dictionary<string, string> environment, string logDirectory)
    {
        Database = database;
        VirtualHost = virtualHost;
        Smtp = smtp;
        _smtpOptions = smtpOptions;
        _environment = environment;
        _logDirectory = logDirectory;
        ApiPort = TestPorts.Tcp();
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BootstrapKey);
    }

    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public SmtpTestServer Smtp { get; private set; }
    public int SmtpPort => _smtpOptions.Port;
    public int ApiPort { get; }
    public HttpClient Api { get; }
    public ServiceProcess? ApiProcess { get; private set; }
    public IReadOnlyList<ServiceProcess> Senders => _senders;

    /// <summary>
    /// Starts everything. <paramref name="settings"/> override the defaults below (configuration
    /// keys in environment form, e.g. <c>Delivery__RetrySchedule</c>).
    /// </summary>
    public static async Task<RelayStack> StartAsync(string name, IReadOnlyDictionary<string, string>? settings = null,
        SmtpServerOptions? smtp = null, int senders = 1)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var smtpOptions = new SmtpServerOptions
        {
            Port = smtp?.Port is > 0 ? smtp.Port : TestPorts.Tcp(),
            Certificate = smtp?.Certificate,
            Username = smtp?.Username,
            Password = smtp?.Password,
            Hostname = "smarthost.test",
        };
        var server = await SmtpTestServer.StartAsync(smtpOptions);

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["RabbitMq__Host"] = TestSettings.RabbitHost,
            ["RabbitMq__VirtualHost"] = virtualHost.Name,
            ["RabbitMq__Username"] = TestSettings.RabbitUser,
            ["RabbitMq__Password"] = TestSettings.RabbitPassword,
            ["Auth__BootstrapKey"] = BootstrapKey,
            ["Bounces__Domain"] = BounceDomain,
            ["Bounces__Secret"] = BounceSecret,
            ["Delivery__Smarthost__Host"] = "127.0.0.1",
            ["Delivery__Smarthost__Port"] = smtpOptions.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Delivery__Smarthost__Tls"] = "none",
            ["Delivery__Smarthost__CommandTimeout"] = "00:00:03",
            ["Delivery__Smarthost__ConnectTimeout"] = "00:00:03",
            // Seconds, not minutes: the behaviour of the schedule is what is tested, not its length.
            ["Delivery__RetrySchedule"] = "1s,2s",
            ["Delivery__RetryJitter"] = "0",
            ["Outbox__PublishRetryDelay"] = "00:00:01",
            ["Dispatcher__PollInterval"] = "00:00:00.200",
            // Tests send bursts (hundreds of emails, concurrent requests on one key); the limits
            // are tested where a test sets them (RateLimitTests).
            ["RateLimits__PerSecond"] = "100000",
            ["RateLimits__Burst"] = "100000",
            ["RateLimits__ConcurrentRequestsPerKey"] = "1000",
            // Tests send from many made-up domains; the rule is tested where a test turns it on (DomainTests).
            ["Senders__RequireVerifiedDomain"] = "false",
            ["Dkim__MasterKey"] = DkimMasterKey,
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__MassTransit"] = "Warning",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var logDirectory = Path.Combine(TestSettings.ResultsDirectory, "logs", $"{name}-{DateTime.UtcNow:HHmmss}-{virtualHost.Name[^4..]}");
        var stack = new RelayStack(database, virtualHost, server, smtpOptions, environment, logDirectory);
        try
        {
            await stack.StartApiAsync();
            for (var i = 0; i < senders; i++)
            {
                await stack.StartSenderAsync();
            }
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
        return stack;
    }

    private async Task StartApiAsync()
    {
        var environment = new Dictionary<string, string>(_environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ApiPort}" };
        ApiProcess = ServiceProcess.Start("api", TestSettings.ServiceDll("EmailRelay.Api"), environment, Path.Combine(_logDirectory, "api.log"));
        await WaitUntilLiveAsync(ApiProcess, ApiPort);
    }

    public async Task<ServiceProcess> StartSenderAsync()
    {
        var port = TestPorts.Tcp();
        var environment = new Dictionary<string, string>(_environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };
        var sender = ServiceProcess.Start($"sender-{++_senderCount}", TestSettings.ServiceDll("EmailRelay.Sender"), environment,
            Path.Combine(_logDirectory, $"sender-{_senderCount}.log"));
        _senders.Add(sender);
        _senderPorts[sender] = port;
        await WaitUntilLiveAsync(sender, port, ready: true);
        return sender;
    }

    /// <summary>The smarthost goes away: the listener closes and open sessions are cut.</summary>
    public async Task StopSmtpAsync() => await Smtp.DisposeAsync();

    /// <summary>The smarthost comes back on the same port, with a fresh record of what it received.</summary>
    public async Task<SmtpTestServer> RestartSmtpAsync()
    {
        Smtp = await SmtpTestServer.StartAsync(_smtpOptions);
        return Smtp;
    }

    private static async Task WaitUntilLiveAsync(ServiceProcess process, int port, bool ready = false)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var path = ready ? "health/ready" : "health/live";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited during start:\n{await process.TailAfterExitAsync()}");
            }
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/{path}")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{process.Name} was not {(ready ? "ready" : "live")} after 60 s:\n{process.Tail()}");
    }

    /// <summary>POSTs one email; asserts the 202 and returns the new id.</summary>
    public async Task<Guid> SendAsync(object email, string? idempotencyKey = null)
    {
        using var response = await PostJsonAsync("v1/emails", email, idempotencyKey);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, string? idempotencyKey = null, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json.Options) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return (client ?? Api).SendAsync(request);
    }

    public async Task<JsonElement> GetEmailAsync(Guid id)
    {
        using var response = await Api.GetAsync($"v1/emails/{id}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET email {id}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<JsonElement> GetAttemptsAsync(Guid id)
    {
        var body = await Api.GetStringAsync($"v1/emails/{id}/attempts");
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    /// <summary>Polls the API until the email's status satisfies <paramref name="done"/>.</summary>
    public async Task<JsonElement> WaitForEmailAsync(Guid id, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        JsonElement email;
        do
        {
            email = await GetEmailAsync(id);
            if (done(email))
            {
                return email;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"email {id} did not reach the expected state; last seen:\n{email}\n\n{DescribeServices()}");
    }

    public Task<JsonElement> WaitForStatusAsync(Guid id, string status, TimeSpan? timeout = null) =>
        WaitForEmailAsync(id, e => e.GetProperty("status").GetString() == status, timeout);

    /// <summary>A client with another key (to test scopes and revocation).</summary>
    public HttpClient ClientWithKey(string key)
    {
        var client = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public string DescribeServices() =>
        string.Join("\n\n", new[] { ApiProcess }.Concat(_senders).OfType<ServiceProcess>().Select(p => $"--- {p.Name}\n{p.Tail(25)}"));

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        _management?.Dispose();
        if (_amqp is not null)
        {
            await _amqp.DisposeAsync();
        }
        foreach (var sender in _senders)
        {
            await sender.DisposeAsync();
        }
        await StopTrackersAsync();
        if (ApiProcess is not null)
        {
            await ApiProcess.DisposeAsync();
        }
        await Smtp.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}
