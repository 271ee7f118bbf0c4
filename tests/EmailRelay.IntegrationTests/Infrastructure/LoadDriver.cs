using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// Applications sending while a fault is injected, as a careful client does: one email per request,
/// each under its own Idempotency-Key, retried with the same key and the same bytes on 409, any 5xx,
/// a timeout or a refused connection, until it gets its 202 or its deadline passes. The key is what
/// makes the retries safe: a request whose 202 was lost on the way replays instead of storing twice.
/// </summary>
public sealed class LoadDriver : IAsyncDisposable
{
    private readonly RelayStack _stack;
    private readonly TimeSpan _pause;
    private readonly TimeSpan _giveUpAfter;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Guid, string> _accepted = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _acceptedAt = new();
    private readonly ConcurrentQueue<string> _refused = new();
    private readonly List<Task> _clients = [];
    private int _gaveUp;
    private int _retries;
    private int _conflicts;
    private int _serverErrors;
    private int _connectionErrors;

    private LoadDriver(RelayStack stack, TimeSpan pause, TimeSpan giveUpAfter)
    {
        _stack = stack;
        _pause = pause;
        _giveUpAfter = giveUpAfter;
    }

    /// <summary>Emails that got their 202: id → its only recipient (unique per email).</summary>
    public IReadOnlyDictionary<Guid, string> Accepted => _accepted;

    /// <summary>How many emails got their 202 within [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public int AcceptedBetween(DateTimeOffset from, DateTimeOffset to) => _acceptedAt.Values.Count(at => at >= from && at < to);

    /// <summary>Requests still not accepted when their deadline passed.</summary>
    public int GaveUp => Volatile.Read(ref _gaveUp);

    /// <summary>Answers no retry can change (4xx other than 409): each is a bug in the test or the API.</summary>
    public IReadOnlyCollection<string> Refused => _refused;

    public int Retries => Volatile.Read(ref _retries);

    public string RetrySummary =>
        $"{Retries} retries ({Volatile.Read(ref _serverErrors)}× 5xx, {Volatile.Read(ref _conflicts)}× 409, {Volatile.Read(ref _connectionErrors)}× no answer)";

    /// <param name="clients">Concurrent clients, each sending one email after another.</param>
    /// <param name="pause">Each client's pause between two emails.</param>
    /// <param name="giveUpAfter">How long one email is retried before the client gives up on it.</param>
    public static LoadDriver Start(RelayStack stack, int clients, TimeSpan pause, TimeSpan giveUpAfter)
    {
        var driver = new LoadDriver(stack, pause, giveUpAfter);
        for (var i = 0; i < clients; i++)
        {
            var client = i;
            driver._clients.Add(Task.Run(() => driver.ClientAsync(client)));
        }
        return driver;
    }

    /// <summary>No new emails; the ones being sent are still retried to their 202 or their deadline.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_clients);
    }

    /// <summary>A test that failed half-way leaves no client sending into the next one.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task ClientAsync(int client)
    {
        // A client of its own per task: the stack's shared client would pool connections across them.
        using var http = new HttpClient { BaseAddress = _stack.Api.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RelayStack.BootstrapKey);
        while (!_stopping.IsCancellationRequested)
        {
            await SendOneAsync(http, Emails.Unique($"load{client}"));
            try
            {
                await Task.Delay(_pause, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendOneAsync(HttpClient http, string to)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Emails.Simple(to), Json.Options);
        var key = Guid.NewGuid().ToString("N");
        var deadline = DateTime.UtcNow + _giveUpAfter;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/emails") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add("Idempotency-Key", key);
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
                    _accepted[id] = to;
                    _acceptedAt[id] = DateTimeOffset.UtcNow;
                    return;
                }
                var status = (int)response.StatusCode;
                if (status == 409)
                {
                    Interlocked.Increment(ref _conflicts);
                }
                else if (status >= 500)
                {
                    Interlocked.Increment(ref _serverErrors);
                }
                else
                {
                    _refused.Enqueue($"{status} {text}");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _connectionErrors);
            }
            if (DateTime.UtcNow + backoff > deadline)
            {
                Interlocked.Increment(ref _gaveUp);
                return;
            }
            Interlocked.Increment(ref _retries);
            await Task.Delay(backoff);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }
}
