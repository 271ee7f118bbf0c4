using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailRelay.Data;
using EmailRelay.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>
/// API.md §Rate limits: a token bucket per project counted in emails, shared by every API
/// replica; 429 with Retry-After and the RateLimit fields, storing nothing; and the per-key cap on
/// concurrent requests. Each test has its own stack: the default project's bucket is its state.
/// </summary>
public sealed partial class RateLimitTests(ITestOutputHelper output)
{
    private const string QuotaExceededType = "https://iana.org/assignments/http-problem-types#quota-exceeded";

    // A rate so low that the refill during a test is a small fraction of one email.
    private static readonly Dictionary<string, string> SlowBucketOf10 = new()
    {
        ["RateLimits__PerSecond"] = "0.01",
        ["RateLimits__Burst"] = "10",
    };

    [Fact]
    public async Task Concurrent_sends_through_two_api_processes_share_one_bucket_and_refusals_store_nothing()
    {
        const double PerSecond = 5;
        const int Burst = 10;
        const int Requests = 40;
        await using var stack = await RelayStack.StartAsync("ratelimit-replicas", new Dictionary<string, string>
        {
            ["RateLimits__PerSecond"] = "5",
            ["RateLimits__Burst"] = "10",
        }, senders: 0);
        await using var second = await stack.StartExtraApiAsync();
        HttpClient[] replicas = [stack.Api, second.Api];

        // Warm both processes up on the send path without taking a token: a batch whose only
        // email is invalid costs 0 and reports a full bucket.
        foreach (var replica in replicas)
        {
            using var warmUp = await stack.PostJsonAsync("v1/emails/batch", new { emails = new[] { Emails.Simple("not-an-address") } }, client: replica);
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
            Assert.Equal($"\"emails\";r={Burst};t=0", Header(warmUp, "RateLimit"));
        }

        var stopwatch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            var to = Emails.Unique($"replica{i % 2}");
            var response = await stack.PostJsonAsync("v1/emails", Emails.Simple(to), client: replicas[i % 2]);
            return (To: to, Replica: i % 2, Response: response, Body: await response.Content.ReadAsStringAsync());
        }));
        var elapsed = stopwatch.Elapsed.TotalSeconds;

        var admitted = results.Where(r => r.Response.StatusCode == HttpStatusCode.Accepted).ToList();
        var refused = results.Where(r => r.Response.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"{Requests} concurrent sends over 2 API processes in {elapsed:0.000} s: {admitted.Count} admitted " +
                         $"({admitted.Count(r => r.Replica == 0)} + {admitted.Count(r => r.Replica == 1)}), {refused.Count} refused; " +
                         $"bound {Burst} + {PerSecond} x {elapsed:0.000} + 1 = {Burst + (PerSecond * elapsed) + 1:0.0}");

        Assert.True(admitted.Count + refused.Count == Requests,
            "every send is 202 or 429: " + string.Join(", ", results.Select(r => (int)r.Response.StatusCode)));
        // The bucket starts full and a refusal takes nothing, so the first Burst sends get through.
        Assert.True(admitted.Count >= Burst, $"{admitted.Count} admitted, fewer than the burst of {Burst}");
        // One bucket for both processes: never more than the burst plus the refill since the first send.
        Assert.True(admitted.Count <= Burst + (PerSecond * elapsed) + 1,
            $"{admitted.Count} admitted in {elapsed:0.000} s, more than {Burst} + {PerSecond}/s allow");

        foreach (var result in results)
        {
            Assert.Equal($"\"emails\";q={Burst};w=2", Header(result.Response, "RateLimit-Policy"));
            Assert.Matches(LimitField(), Header(result.Response, "RateLimit"));
        }
        foreach (var result in admitted)
        {
            Assert.False(result.Response.Headers.Contains("Retry-After"));
        }
        foreach (var result in refused)
        {
            var retryAfter = RetryAfter(result.Response);
            Assert.Equal(1, retryAfter);   // one email at 5/s is at most 0.2 s away, rounded up
            Assert.EndsWith($";t={retryAfter}", Header(result.Response, "RateLimit"), StringComparison.Ordinal);
            AssertQuotaProblem(result.Response, result.Body, "emails");
        }

        // Nothing of a refused request is stored; everything admitted is.
        Assert.Equal(admitted.Count, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
        Assert.Equal(admitted.Count, await stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM recipients WHERE address = ANY($1::text[])", (object)admitted.Select(r => r.To).ToArray()));
        Assert.Equal(0, await stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM recipients WHERE address = ANY($1::text[])", (object)refused.Select(r => r.To).ToArray()));
        foreach (var result in results)
        {
            result.Response.Dispose();
        }
    }

    [Fact]
    public async Task A_batch_costs_its_number_of_valid_emails()
    {
        await using var stack = await RelayStack.StartAsync("ratelimit-batch", SlowBucketOf10, senders: 0);

        // 4 valid and 2 invalid: 4 of the 10 tokens.
        using (var first = await PostBatchAsync(stack, valid: 4, invalid: 2))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("\"emails\";q=10;w=1000", Header(first, "RateLimit-Policy"));
            Assert.StartsWith("\"emails\";r=6;", Header(first, "RateLimit"), StringComparison.Ordinal);
        }

        // 7 valid with 6 left: refused whole, nothing stored.
        using (var second = await PostBatchAsync(stack, valid: 7, invalid: 0))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            // (7 - 6) emails at 0.01/s: 100 s, less the refill since the first batch.
            Assert.InRange(RetryAfter(second), 90, 100);
            Assert.StartsWith("\"emails\";r=6;", Header(second, "RateLimit"), StringComparison.Ordinal);
            AssertQuotaProblem(second, await second.Content.ReadAsStringAsync(), "emails");
        }
        Assert.Equal(4, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));

        // 6 valid and 3 invalid: exactly what is left.
        using (var third = await PostBatchAsync(stack, valid: 6, invalid: 3))
        {
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);
            Assert.StartsWith("\"emails\";r=0;", Header(third, "RateLimit"), StringComparison.Ordinal);
        }
        Assert.Equal(10, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task A_batch_larger_than_the_burst_goes_through_a_full_bucket_into_debt_and_a_replay_costs_nothing()
    {
        await using var stack = await RelayStack.StartAsync("ratelimit-debt", SlowBucketOf10, senders: 0);
        var key = Guid.NewGuid().ToString();
        var batch = new { emails = Enumerable.Range(0, 15).Select(i => Emails.Simple(Emails.Unique($"debt{i}"))).ToArray() };

        // 15 emails against a burst of 10: admitted because the bucket is full; 5 owed.
        string firstBody;
        using (var first = await stack.PostJsonAsync("v1/emails/batch", batch, key))
        {
            firstBody = await first.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.StartsWith("\"emails\";r=0;", Header(first, "RateLimit"), StringComparison.Ordinal);
        }

        // The debt is paid at the rate before anything else goes: (1 - (-5)) / 0.01 = 600 s.
        using (var next = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("after-debt"))))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, next.StatusCode);
            Assert.InRange(RetryAfter(next), 590, 600);
        }

        // A replay stores nothing, so it pays nothing: answered while the bucket is in debt.
        using (var replay = await stack.PostJsonAsync("v1/emails/batch", batch, key))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
        }

        // A keyed request that is refused leaves its key free, to be retried after Retry-After.
        var refusedKey = Guid.NewGuid().ToString();
        using (var refused = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("keyed")), refusedKey))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM idempotency WHERE key = $1", refusedKey));
        Assert.Equal(15, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task A_project_row_overrides_the_configured_rate_on_every_api_process()
    {
        // The stack's defaults are high; the default project's own row sets 3 per 300 s.
        await using var stack = await RelayStack.StartAsync("ratelimit-project", senders: 0);
        await stack.Database.ScalarAsync<int>(
            "UPDATE projects SET rate_limit_per_second = 0.01, rate_limit_burst = 3 WHERE id = $1", ProjectIds.Default);
        await using var second = await stack.StartExtraApiAsync();

        for (var left = 2; left >= 0; left--)
        {
            using var sent = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("project")));
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
            Assert.Equal("\"emails\";q=3;w=300", Header(sent, "RateLimit-Policy"));
            Assert.StartsWith($"\"emails\";r={left};", Header(sent, "RateLimit"), StringComparison.Ordinal);
        }

        // The other process sees the same bucket: empty, one email 100 s away.
        using var refused = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("project")), client: second.Api);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("\"emails\";q=3;w=300", Header(refused, "RateLimit-Policy"));
        Assert.InRange(RetryAfter(refused), 90, 100);
        Assert.Equal(3, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task A_key_over_its_concurrent_requests_is_refused_while_other_keys_go_on()
    {
        await using var stack = await RelayStack.StartAsync("ratelimit-concurrency", new Dictionary<string, string>
        {
            ["RateLimits__ConcurrentRequestsPerKey"] = "1",
        }, senders: 0);
        using var otherKey = stack.ClientWithKey(await CreateSendKeyAsync(stack));

        // A real slow client: headers and half the body, the rest later. Its request holds the
        // bootstrap key's one slot while the API waits for the body.
        var body = JsonSerializer.SerializeToUtf8Bytes(Emails.Simple(Emails.Unique("slow")), Json.Options);
        using var slow = new TcpClient();
        await slow.ConnectAsync(IPAddress.Loopback, stack.ApiPort);
        var stream = slow.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /v1/emails HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
            $"Authorization: Bearer {RelayStack.BootstrapKey}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n\r\n"));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        await stream.FlushAsync();

        // The same key again, until the API has taken the slot for the slow request (a busy
        // machine may take a moment); a request that still got through is stored and counted.
        var admittedBefore = 0;
        HttpResponseMessage refused;
        while (true)
        {
            await Task.Delay(100);
            Assert.False(slow.Client.Poll(0, SelectMode.SelectRead), "the slow request was answered or dropped before its body was complete");
            var probe = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("second")));
            if (probe.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = probe;
                break;
            }
            Assert.Equal(HttpStatusCode.Accepted, probe.StatusCode);
            probe.Dispose();
            admittedBefore++;
        }
        output.WriteLine($"refused after {admittedBefore} request(s) of the same key got through before the slow one took the slot");

        using (refused)
        {
            Assert.False(slow.Client.Poll(0, SelectMode.SelectRead), "the slow request was answered before its body was complete");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(1, RetryAfter(refused));
            Assert.Equal("\"concurrency\";q=1;qu=\"concurrent-requests\"", Header(refused, "RateLimit-Policy"));
            Assert.Equal("\"concurrency\";r=0", Header(refused, "RateLimit"));
            AssertQuotaProblem(refused, await refused.Content.ReadAsStringAsync(), "concurrency");
        }

        // Another key has a slot of its own.
        using (var other = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("other-key")), client: otherKey))
        {
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        }

        // The slow request completes normally, and frees the slot.
        await stream.WriteAsync(body.AsMemory(body.Length / 2));
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 202", Encoding.ASCII.GetString(reply, 0, read), StringComparison.Ordinal);
        using (var after = await stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("after"))))
        {
            Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        }
        Assert.Equal(3 + admittedBefore, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    private static Task<HttpResponseMessage> PostBatchAsync(RelayStack stack, int valid, int invalid) =>
        stack.PostJsonAsync("v1/emails/batch", new
        {
            emails = Enumerable.Range(0, valid).Select(i => Emails.Simple(Emails.Unique($"batch{i}")))
                .Concat(Enumerable.Range(0, invalid).Select(_ => Emails.Simple("not-an-address")))
                .ToArray(),
        });

    private static async Task<string> CreateSendKeyAsync(RelayStack stack)
    {
        using var response = await stack.PostJsonAsync("v1/api-keys", new { name = "second client", scopes = new[] { "emails:send" } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.Str("key");
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : $"(no {name} header)";

    private static long RetryAfter(HttpResponseMessage response)
    {
        var value = Header(response, "Retry-After");
        Assert.True(long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds), $"Retry-After is not whole seconds: {value}");
        return seconds;
    }

    private static void AssertQuotaProblem(HttpResponseMessage response, string body, string policy)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(QuotaExceededType, problem.Str("type"));
        Assert.False(string.IsNullOrWhiteSpace(problem.Str("title")));
        Assert.False(string.IsNullOrWhiteSpace(problem.Str("detail")));
        Assert.Equal(new[] { policy }, problem.GetProperty("violated-policies").EnumerateArray().Select(p => p.GetString()));
    }

    [GeneratedRegex("""^"emails";r=\d+;t=\d+$""")]
    private static partial Regex LimitField();
}
