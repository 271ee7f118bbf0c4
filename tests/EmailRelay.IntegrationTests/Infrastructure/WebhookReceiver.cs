using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// A webhook receiver on a loopback port: records every request (method, path, headers, the raw
/// body, when it arrived) and answers each path from a script — 200 unless told otherwise, or a
/// status with headers after a delay (a slow or stalled endpoint). Also tracks how many requests
/// per path were in flight at once.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private const string AnyPath = "*";
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<WebhookReply>> _scripts = new();
    private readonly ConcurrentDictionary<string, WebhookReply> _defaults = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentDictionary<string, int> _maxInFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    private WebhookReceiver(int port)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public static WebhookReceiver Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new WebhookReceiver(TestPorts.Tcp());
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // The free port was taken between the probe and the listener: try another.
            }
        }
    }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public IReadOnlyList<ReceivedWebhook> At(string path) => Received.Where(r => r.Path == "/" + path).ToList();

    /// <summary>The next requests to <paramref name="path"/> get these replies, in order; then <see cref="Always"/>'s (200 by default).</summary>
    public void Script(string path, params WebhookReply[] replies)
    {
        var queue = _scripts.GetOrAdd("/" + path, _ => new ConcurrentQueue<WebhookReply>());
        foreach (var reply in replies)
        {
            queue.Enqueue(reply);
        }
    }

    /// <summary>What <paramref name="path"/> answers once its script is used up.</summary>
    public void Always(string path, WebhookReply reply) => _defaults["/" + path] = reply;

    /// <summary>The most requests to <paramref name="path"/> that were ever in flight at once.</summary>
    public int MaxConcurrent(string path) => _maxInFlight.GetValueOrDefault("/" + path);

    /// <summary>The most requests to any path that were ever in flight at once.</summary>
    public int MaxConcurrentOverall => _maxInFlight.GetValueOrDefault(AnyPath);

    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(string path, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (At(path).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"timed out after {timeout.TotalSeconds} s waiting for {count} request(s) to /{path}; got {At(path).Count}");
            await Task.Delay(50);
        }
        return At(path);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        foreach (var key in new[] { path, AnyPath })
        {
            var now = _inFlight.AddOrUpdate(key, 1, (_, n) => n + 1);
            _maxInFlight.AddOrUpdate(key, now, (_, max) => Math.Max(max, now));
        }
        var inFlight = true;
        void Leave()
        {
            if (inFlight)
            {
                inFlight = false;
                _inFlight.AddOrUpdate(path, 0, (_, n) => n - 1);
                _inFlight.AddOrUpdate(AnyPath, 0, (_, n) => n - 1);
            }
        }
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.OfType<string>()
                .ToDictionary(k => k.ToLowerInvariant(), k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
            _received.Enqueue(new ReceivedWebhook(context.Request.HttpMethod, path, headers, body.ToArray(), _clock.Elapsed));

            var reply = _scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var next) ? next
                : _defaults.GetValueOrDefault(path, WebhookReply.Ok);
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay, _stopping.Token);
            }
            context.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            context.Response.ContentLength64 = bytes.Length;
            // No longer in flight once the reply is written: the client may act on it and send its
            // next request before this method gets to its end.
            Leave();
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The client gave up (timed out) or the receiver is stopping.
        }
        finally
        {
            Leave();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        _listener.Close();
        await _loop;
        _stopping.Dispose();
    }
}
