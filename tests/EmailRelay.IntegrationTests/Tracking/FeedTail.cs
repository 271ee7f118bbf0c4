using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>
/// A client tailing <c>GET /v1/events</c> the documented way: follow next_cursor, poll when a page
/// comes back short. Every event it was shown is kept, in the order it was shown.
/// </summary>
public sealed class FeedTail : IAsyncDisposable
{
    private readonly HttpClient _api;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Guid> _seen = [];
    private readonly Task _loop;

    public FeedTail(HttpClient api)
    {
        _api = api;
        _loop = Task.Run(LoopAsync);
    }

    public IReadOnlyList<Guid> Seen
    {
        get
        {
            lock (_seen)
            {
                return _seen.ToList();
            }
        }
    }

    private async Task LoopAsync()
    {
        string? cursor = null;
        while (!_stop.IsCancellationRequested)
        {
            var path = "v1/events?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = JsonDocument.Parse(await _api.GetStringAsync(path)).RootElement;
            var data = page.GetProperty("data").EnumerateArray().Select(e => Guid.Parse(e.Str("id"))).ToList();
            lock (_seen)
            {
                _seen.AddRange(data);
            }
            cursor = page.GetProperty("next_cursor").GetString() ?? cursor;
            if (data.Count < 100)
            {
                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
