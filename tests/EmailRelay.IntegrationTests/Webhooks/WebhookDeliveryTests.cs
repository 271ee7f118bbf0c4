using System.Net;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// Tracking's dispatcher against a real receiver: retries, 410, Retry-After, redirects, a stalled
/// endpoint beside a healthy one, replay, rotation — each checked at the receiver, in the
/// database and through the API, and every signature checked by the standardwebhooks package.
/// Deliveries are made from queued events as the fan-out makes them; the endpoints subscribe to
/// an event type these emails never have, so the real fan-out never adds deliveries of its own.
/// </summary>
[Collection(WebhookStackCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookStack fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private RelayStack Stack => fixture.Stack;
    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task Failed_attempts_are_retried_on_the_schedule_until_one_succeeds_with_the_same_signed_body()
    {
        var path = Path("retry");
        Receiver.Script(path, WebhookReply.Of(500), WebhookReply.Of(503));
        var (endpoint, secret) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var queued = (await Stack.QueuedEventsAsync(1))[0];
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, [queued]))[0];

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);

        Assert.Equal(("succeeded", 3, 200), (done.Status, done.Attempts, done.LastStatusCode));
        var received = Receiver.At(path);
        Assert.Equal(3, received.Count);
        Assert.All(received, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal(delivery.ToString(), r.Header("webhook-id"));
            Assert.StartsWith("application/json", r.Header("content-type"), StringComparison.Ordinal);
            Assert.Contains("EmailRelay", r.Header("user-agent"), StringComparison.Ordinal);
            Assert.Equal(received[0].Body, r.Body);
            Assert.Matches("^v1,[A-Za-z0-9+/]{43}=$", r.Header("webhook-signature"));
        });
        Assert.True(received[1].At - received[0].At >= TimeSpan.FromSeconds(1), "the second attempt came before the schedule's 1 s");

        var payload = JsonDocument.Parse(received[0].Body).RootElement;
        Assert.Equal("email.queued", payload.GetProperty("type").GetString());
        var data = payload.GetProperty("data");
        Assert.Equal(queued.EventId, data.GetProperty("event_id").GetGuid());
        Assert.Equal(queued.MessageId, data.GetProperty("email_id").GetGuid());
        Assert.Equal(1, data.GetProperty("sequence").GetInt32());
        Assert.EndsWith("@example.net", data.GetProperty("recipient").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("reply_code").ValueKind);
        Assert.Equal(JsonValueKind.Array, data.GetProperty("tags").ValueKind);
        Assert.Equal(JsonValueKind.Object, data.GetProperty("metadata").ValueKind);
        Assert.Equal(received[0].Body, done.Payload);

        var attempts = await Stack.WebhookAttemptsAsync(delivery);
        Assert.Equal([(1, 500), (2, 503), (3, 200)], attempts.Select(a => (a.Attempt, a.StatusCode ?? 0)).ToList());
        Assert.Equal("ok", attempts[2].ResponseExcerpt);

        var listed = await GetJsonAsync($"v1/webhooks/{endpoint}/deliveries");
        var item = Assert.Single(listed.GetProperty("data").EnumerateArray());
        Assert.Equal(delivery, item.GetProperty("id").GetGuid());
        Assert.Equal("succeeded", item.GetProperty("status").GetString());
        Assert.Equal(3, item.GetProperty("attempts").GetInt32());
        Assert.Equal(200, item.GetProperty("last_status_code").GetInt32());
        Assert.Equal("queued", item.GetProperty("event_type").GetString());
        Assert.Equal(queued.EventId, item.GetProperty("event_id").GetGuid());
        Assert.Equal(queued.MessageId, item.GetProperty("email_id").GetGuid());
        Assert.Equal([500, 503, 200], item.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()).ToList());
        Assert.Empty((await GetJsonAsync($"v1/webhooks/{endpoint}/deliveries?status=failed")).GetProperty("data").EnumerateArray());
        Assert.Single((await GetJsonAsync($"v1/webhooks/{endpoint}/deliveries?status=succeeded")).GetProperty("data").EnumerateArray());

        var verdicts = await StandardWebhooksVerifier.VerifyAsync(received.Select((r, i) => new StandardWebhooksVerifier.Case($"attempt {i + 1}", secret, r)));
        Assert.All(verdicts, v => Assert.True(v.Valid, $"{v.Name}: {v.Error}"));
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_and_its_later_deliveries_fail_without_a_request()
    {
        var path = Path("gone");
        Receiver.Always(path, WebhookReply.Of(410));
        var (endpoint, _) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var events = await Stack.QueuedEventsAsync(2);
        var first = (await Stack.InsertWebhookDeliveriesAsync(endpoint, [events[0]]))[0];

        var gone = await Stack.WaitForWebhookDeliveryAsync(first, d => d.Status != "pending", Wait);

        Assert.Equal(("failed", 1, 410), (gone.Status, gone.Attempts, gone.LastStatusCode));
        var webhook = await GetJsonAsync($"v1/webhooks/{endpoint}");
        Assert.False(webhook.GetProperty("enabled").GetBoolean());
        Assert.Contains("410", webhook.GetProperty("disabled_reason").GetString(), StringComparison.Ordinal);

        var later = (await Stack.InsertWebhookDeliveriesAsync(endpoint, [events[1]]))[0];
        var notSent = await Stack.WaitForWebhookDeliveryAsync(later, d => d.Status != "pending", Wait);
        Assert.Equal(("failed", 0), (notSent.Status, notSent.Attempts));
        Assert.Contains("endpoint is disabled", notSent.LastError, StringComparison.Ordinal);
        Assert.Single(Receiver.At(path));
        Assert.Empty(await Stack.WebhookAttemptsAsync(later));

        using var replay = await Stack.Api.PostAsync($"v1/webhooks/{endpoint}/deliveries/{first}/replay", null);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("disabled", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_is_retried_no_earlier_than_its_Retry_After()
    {
        var path = Path("throttled");
        Receiver.Script(path, WebhookReply.Of(429, ("Retry-After", "3")));
        var (endpoint, _) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);

        Assert.Equal(("succeeded", 2), (done.Status, done.Attempts));
        var received = Receiver.At(path);
        Assert.Equal(2, received.Count);
        var gap = received[1].At - received[0].At;
        Assert.True(gap >= TimeSpan.FromSeconds(3), $"the retry came {gap.TotalSeconds:0.000} s after the 429 asking for 3 s (the schedule alone says 1 s)");
        Assert.Equal([429, 200], (await Stack.WebhookAttemptsAsync(delivery)).Select(a => a.StatusCode ?? 0).ToList());
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_counts_as_a_failed_attempt()
    {
        var path = Path("moved");
        var target = Path("moved-to");
        Receiver.Always(path, WebhookReply.Of(302, ("Location", Receiver.Url(target))));
        var (endpoint, _) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);

        Assert.Equal(("failed", 3, 302), (done.Status, done.Attempts, done.LastStatusCode));
        Assert.Equal(3, Receiver.At(path).Count);
        Assert.Empty(Receiver.At(target));
        Assert.All(await Stack.WebhookAttemptsAsync(delivery), a => Assert.Contains("redirects are not followed", a.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stalled_endpoint_does_not_delay_another_endpoints_deliveries()
    {
        var stalledPath = Path("stalled");
        var healthyPath = Path("healthy");
        Receiver.Always(stalledPath, WebhookReply.Slow(TimeSpan.FromSeconds(60)));
        var (stalled, _) = await Stack.CreateWebhookAsync(Receiver.Url(stalledPath), ["complained"]);
        var (healthy, _) = await Stack.CreateWebhookAsync(Receiver.Url(healthyPath), ["complained"]);
        var events = await Stack.QueuedEventsAsync(13);
        try
        {
            // Older, so first in line: ten deliveries to an endpoint that never answers.
            await Stack.InsertWebhookDeliveriesAsync(stalled, events.Take(10));
            await Receiver.WaitForAsync(stalledPath, 4, Wait);

            var healthyDeliveries = await Stack.InsertWebhookDeliveriesAsync(healthy, events.Skip(10));
            await Receiver.WaitForAsync(healthyPath, 3, Wait);

            // Ordered, not timed: the healthy endpoint had all three while the stalled endpoint's
            // first requests were still unanswered. Behind them, it would have waited for at least
            // one to end (the request timeout frees a slot) and that attempt would be on record.
            // Read at once: ten seconds on, the request timeout ends the stalled four and the next
            // four go out.
            Assert.Equal(0, await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1", stalled));
            Assert.Equal(4, Receiver.MaxConcurrent(stalledPath));
            foreach (var id in healthyDeliveries)
            {
                Assert.Equal("succeeded", (await Stack.WaitForWebhookDeliveryAsync(id, d => d.Status != "pending", Wait)).Status);
            }
        }
        finally
        {
            // Its retries would go on for the other tests' whole run.
            using var _ = await PatchJsonAsync($"v1/webhooks/{stalled}", new { enabled = false });
        }
    }

    [Fact]
    public async Task A_failed_delivery_replayed_through_the_api_is_sent_again_with_its_schedule_starting_over()
    {
        var path = Path("replay");
        Receiver.Script(path, WebhookReply.Of(500), WebhookReply.Of(500), WebhookReply.Of(500));
        // The replayed attempt is slow, so the replay's answer is read before that attempt is recorded
        // (five seconds: time for a slow machine, and half the request timeout).
        Receiver.Always(path, WebhookReply.Slow(TimeSpan.FromSeconds(5)));
        var (endpoint, secret) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];
        var failed = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);
        Assert.Equal(("failed", 3), (failed.Status, failed.Attempts));

        using var response = await Stack.Api.PostAsync($"v1/webhooks/{endpoint}/deliveries/{delivery}/replay", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"replay: {(int)response.StatusCode} {body}");
        var replayed = JsonDocument.Parse(body).RootElement;
        Assert.Equal("pending", replayed.GetProperty("status").GetString());
        // 1 if the dispatcher already claimed it: the claim counts the attempt it is making.
        Assert.InRange(replayed.GetProperty("attempts").GetInt32(), 0, 1);
        Assert.Equal(3, replayed.GetProperty("attempt_log").GetArrayLength());

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);
        Assert.Equal(("succeeded", 1, 200), (done.Status, done.Attempts, done.LastStatusCode));
        var received = Receiver.At(path);
        Assert.Equal(4, received.Count);
        Assert.All(received, r => Assert.Equal(received[0].Body, r.Body));
        Assert.Equal([1, 2, 3, 1], (await Stack.WebhookAttemptsAsync(delivery)).Select(a => a.Attempt).ToList());
        var verdicts = await StandardWebhooksVerifier.VerifyAsync([new StandardWebhooksVerifier.Case("replayed", secret, received[^1])]);
        Assert.True(verdicts[0].Valid, verdicts[0].Error);

        using var unknown = await Stack.Api.PostAsync($"v1/webhooks/{endpoint}/deliveries/{Guid.NewGuid()}/replay", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task During_a_rotation_deliveries_verify_with_the_old_secret_and_with_the_new_one()
    {
        var path = Path("rotation");
        var (endpoint, oldSecret) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        using var rotate = await Stack.Api.PostAsync($"v1/webhooks/{endpoint}/rotate-secret", null);
        var rotated = JsonDocument.Parse(await rotate.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        var expires = rotated.GetProperty("previous_secret_expires_at").GetDateTime();
        Assert.InRange(expires, DateTime.UtcNow.AddHours(23), DateTime.UtcNow.AddHours(25));

        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];
        await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status == "succeeded", Wait);

        var received = Assert.Single(Receiver.At(path));
        Assert.Equal(2, received.Header("webhook-signature").Split(' ').Length);
        var verdicts = await StandardWebhooksVerifier.VerifyAsync(
        [
            new StandardWebhooksVerifier.Case("new secret", newSecret, received),
            new StandardWebhooksVerifier.Case("old secret", oldSecret, received),
        ]);
        Assert.All(verdicts, v => Assert.True(v.Valid, $"{v.Name}: {v.Error}"));
        // The verifier is not vacuous: a secret the endpoint never had fails.
        var stranger = await StandardWebhooksVerifier.VerifyAsync([new StandardWebhooksVerifier.Case("other", "whsec_" + Convert.ToBase64String(new byte[32]), received)]);
        Assert.False(stranger[0].Valid);
    }

    [Fact]
    public async Task A_deleted_endpoints_deliveries_fail_without_a_request()
    {
        var path = Path("deleted");
        var (endpoint, _) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        using (var delete = await Stack.Api.DeleteAsync($"v1/webhooks/{endpoint}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);

        Assert.Equal(("failed", 0), (done.Status, done.Attempts));
        Assert.Contains("deleted", done.LastError, StringComparison.Ordinal);
        Assert.Empty(Receiver.At(path));
    }

    [Fact]
    public async Task An_endpoint_slower_than_the_timeout_gets_the_attempt_recorded_as_timed_out_and_retried()
    {
        var path = Path("slow");
        Receiver.Script(path, WebhookReply.Slow(TimeSpan.FromSeconds(15)));
        var (endpoint, _) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var delivery = (await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(1)))[0];

        var done = await Stack.WaitForWebhookDeliveryAsync(delivery, d => d.Status != "pending", Wait);

        Assert.Equal(("succeeded", 2), (done.Status, done.Attempts));
        var attempts = await Stack.WebhookAttemptsAsync(delivery);
        Assert.Null(attempts[0].StatusCode);
        Assert.Equal("no response within 10 s", attempts[0].Error);
        // It waited out the timeout rather than failing at once. A timer may fire a few
        // milliseconds before the stopwatch reads 10 s (9,996 ms seen), and how long after it ends
        // depends on the machine's load: neither is what this test is about.
        Assert.True(attempts[0].DurationMs >= 9_900, $"the attempt ended after {attempts[0].DurationMs} ms");
        Assert.Equal(200, attempts[1].StatusCode);
    }

    [Fact]
    public async Task Deliveries_are_listed_newest_first_in_keyset_pages()
    {
        var path = Path("pages");
        var (endpoint, _) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["complained"]);
        var deliveries = await Stack.InsertWebhookDeliveriesAsync(endpoint, await Stack.QueuedEventsAsync(5));
        foreach (var id in deliveries)
        {
            await Stack.WaitForWebhookDeliveryAsync(id, d => d.Status == "succeeded", Wait);
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetJsonAsync($"v1/webhooks/{endpoint}/deliveries?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
            Assert.All(page.GetProperty("data").EnumerateArray(), d => Assert.Equal(1, d.GetProperty("attempt_log").GetArrayLength()));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        // UUIDv7 made in one millisecond are ordered by their random bits: compare with the order PostgreSQL gives them.
        Assert.Equal(deliveries.OrderByDescending(d => d.ToString(), StringComparer.Ordinal), seen);
        using var bad = await Stack.Api.GetAsync($"v1/webhooks/{endpoint}/deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static string Path(string name) => $"{name}-{Guid.NewGuid():N}";

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Stack.Api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private Task<HttpResponseMessage> PatchJsonAsync(string path, object body) =>
        Stack.Api.PatchAsync(path, System.Net.Http.Json.JsonContent.Create(body, options: Json.Options));
}
