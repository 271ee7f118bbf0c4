using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>What the delivery and outbox tests look at: queue depths, metrics, the error queue.</summary>
public sealed partial class RelayStack
{
    private readonly Dictionary<ServiceProcess, int> _senderPorts = [];
    private HttpClient? _management;
    private RabbitMQ.Client.IConnection? _amqp;

    private HttpClient Management => _management ??= CreateManagementClient();

    /// <summary>
    /// A queue of this stack's virtual host, from the RabbitMQ management API: <c>messages</c> (ready
    /// + unacknowledged) and <c>messages_ready</c>. Null if the queue does not exist. The numbers
    /// are the broker's last sample (every 5 s by default), not an instant reading.
    /// </summary>
    public async Task<(long Messages, long Ready)?> QueueDepthAsync(string queue)
    {
        using var response = await Management.GetAsync($"api/queues/{Uri.EscapeDataString(VirtualHost.Name)}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (Number(body, "messages"), Number(body, "messages_ready"));
    }

    private static long Number(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    /// <summary>
    /// Takes one message off <paramref name="from"/> and publishes it, body and properties as they
    /// were, to <paramref name="to"/> — what MassTransit does when a consume fails for good.
    /// </summary>
    public async Task MoveOneMessageAsync(string from, string to)
    {
        var vhost = Uri.EscapeDataString(VirtualHost.Name);
        using var get = await Management.PostAsJsonAsync($"api/queues/{vhost}/{Uri.EscapeDataString(from)}/get",
            new { count = 1, ackmode = "ack_requeue_false", encoding = "base64" });
        get.EnsureSuccessStatusCode();
        var messages = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, messages.GetArrayLength());
        var message = messages[0];
        var properties = message.GetProperty("properties").Clone();
        using var publish = await Management.PostAsJsonAsync($"api/exchanges/{vhost}/amq.default/publish", new
        {
            properties,
            routing_key = to,
            payload = message.GetProperty("payload").GetString(),
            payload_encoding = "base64",
        });
        publish.EnsureSuccessStatusCode();
        var routed = JsonDocument.Parse(await publish.Content.ReadAsStringAsync()).RootElement.GetProperty("routed").GetBoolean();
        Assert.True(routed, $"the message was not routed to {to}");
    }

    /// <summary>
    /// The exact number of ready messages in a queue now (a passive declare over AMQP), where the
    /// management API only has a sample up to 5 s old.
    /// </summary>
    public async Task<uint> ReadyNowAsync(string queue)
    {
        _amqp ??= await new RabbitMQ.Client.ConnectionFactory
        {
            HostName = TestSettings.RabbitHost,
            VirtualHost = VirtualHost.Name,
            UserName = TestSettings.RabbitUser,
            Password = TestSettings.RabbitPassword,
        }.CreateConnectionAsync();
        await using var channel = await _amqp.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Empties a queue, as an operator's purge does.</summary>
    public async Task PurgeQueueAsync(string queue)
    {
        using var response = await Management.DeleteAsync(
            $"api/queues/{Uri.EscapeDataString(VirtualHost.Name)}/{Uri.EscapeDataString(queue)}/contents");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The value of a counter on a service's Prometheus endpoint, summed over its labels; 0 if absent.</summary>
    public async Task<double> CounterAsync(ServiceProcess? service, string name)
    {
        var port = service is null ? ApiPort : _senderPorts[service];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        return Regex.Matches(text, $@"^{Regex.Escape(name)}(?:\{{[^}}]*\}})? ([0-9.eE+-]+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The value of one series of a metric on a service's /metrics: the one whose labels include <paramref name="label"/> (e.g. destination="a.test").</summary>
    public async Task<double?> MetricAsync(ServiceProcess? service, string name, string label)
    {
        var port = service is null ? ApiPort : _senderPorts[service];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var match = Regex.Match(text, $@"^{Regex.Escape(name)}\{{[^}}]*{Regex.Escape(label)}[^}}]*\}} ([0-9.eE+-]+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>POSTs emails in batches of up to 500; asserts every one was accepted and returns their ids in order.</summary>
    public async Task<List<Guid>> SendBatchAsync(IReadOnlyList<object> emails)
    {
        var ids = new List<Guid>();
        foreach (var chunk in emails.Chunk(500))
        {
            using var response = await PostJsonAsync("v1/emails/batch", new { emails = chunk });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"batch: {(int)response.StatusCode} {text}");
            var data = JsonDocument.Parse(text).RootElement.GetProperty("data");
            ids.AddRange(data.EnumerateArray().Select(item => item.GetProperty("id").GetGuid()));
        }
        Assert.Equal(emails.Count, ids.Count);
        return ids;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds} s waiting until {what}\n{DescribeServices()}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until no email of an earlier test on this stack is on its way, or due within a minute,
    /// so that what the shared SMTP server logs from now on is the calling test's own. Several
    /// tests end once their emails are accepted, before they are delivered.
    /// </summary>
    public Task WaitForQuietAsync() =>
        WaitUntilAsync(async () => await RecipientsAsync("""
            status IN ('queued', 'sending')
               OR (status IN ('scheduled', 'deferred') AND next_attempt_at < now() + interval '1 minute')
            """) == 0, TimeSpan.FromSeconds(60), "earlier tests' emails are delivered");

    /// <summary>Recipients in each state, straight from the database.</summary>
    public async Task<long> RecipientsAsync(string whereStatus) =>
        await Database.ScalarAsync<long>($"SELECT count(*) FROM recipients WHERE {whereStatus}");

    private static HttpClient CreateManagementClient()
    {
        var client = new HttpClient { BaseAddress = TestSettings.RabbitManagement, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestSettings.RabbitUser}:{TestSettings.RabbitPassword}")));
        return client;
    }
}
