using System.Net;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

[Collection(StandardStackCollection.Name)]
public sealed class QueryTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task List_filters_by_tag_and_recipient_and_pages_with_a_cursor_newest_first()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<Guid>();
        string? someRecipient = null;
        for (var i = 0; i < 5; i++)
        {
            var body = Emails.Simple(someRecipient = Emails.Unique("list"));
            body["tags"] = new[] { tag };
            ids.Add(await _stack.SendAsync(body));
        }

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await GetAsync($"v1/emails?tag={tag}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            var data = page.GetProperty("data").EnumerateArray().ToList();
            Assert.True(data.Count <= 2);
            Assert.All(data, e => Assert.Equal(tag, e.GetProperty("tags")[0].GetString()));
            Assert.All(data, e => Assert.Equal(1, e.GetProperty("recipient_count").GetInt32()));
            seen.AddRange(data.Select(e => e.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(ids), seen);

        var byRecipient = await GetAsync($"v1/emails?recipient={Uri.EscapeDataString(someRecipient!.ToUpperInvariant())}");
        Assert.Equal(ids[^1], byRecipient.GetProperty("data").EnumerateArray().Single().GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Event_feed_is_tailed_oldest_first_with_the_cursor()
    {
        var to = Emails.Unique("feed");
        var id = await _stack.SendAsync(Emails.Simple(to));
        await _stack.WaitForStatusAsync(id, "delivered");
        await Task.Delay(2500);   // the feed holds back events younger than its 2 s visibility lag

        var first = await GetAsync($"v1/events?email_id={id}&limit=1");
        var queued = first.GetProperty("data").EnumerateArray().Single();
        Assert.Equal("queued", queued.Str("type"));
        Assert.Equal(id, queued.GetProperty("email_id").GetGuid());
        Assert.Equal(to, queued.Str("recipient"));

        var rest = await GetAsync($"v1/events?email_id={id}&cursor={first.Str("next_cursor")}");
        var delivered = rest.GetProperty("data").EnumerateArray().Single();
        Assert.Equal("delivered", delivered.Str("type"));
        Assert.Equal(2, delivered.GetProperty("sequence").GetInt32());
        Assert.StartsWith("250 ", delivered.Str("reply"), StringComparison.Ordinal);

        // Nothing new: an empty page that still hands back a cursor to poll with.
        var empty = await GetAsync($"v1/events?email_id={id}&cursor={rest.Str("next_cursor")}");
        Assert.Empty(empty.GetProperty("data").EnumerateArray());
        Assert.Equal(rest.Str("next_cursor"), empty.Str("next_cursor"));

        var byType = await GetAsync($"v1/events?type=delivered&recipient={Uri.EscapeDataString(to)}");
        Assert.Equal(delivered.GetProperty("id").GetGuid(), byType.GetProperty("data").EnumerateArray().Single().GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("status=lost", "status")]
    [InlineData("cursor=%%%", "cursor")]
    [InlineData("since=yesterday", "since")]
    public async Task Bad_query_parameters_are_named(string query, string field)
    {
        using var response = await _stack.Api.GetAsync($"v1/emails?{query}");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task OpenApi_health_and_metrics_are_served_without_a_key()
    {
        using var anonymous = new HttpClient { BaseAddress = _stack.Api.BaseAddress };
        var openApi = JsonDocument.Parse(await anonymous.GetStringAsync("openapi/v1.json")).RootElement;
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/emails", out _));
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/emails/batch", out _));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/ready")).StatusCode);
        var docs = await anonymous.GetStringAsync("docs/");
        Assert.Contains("scalar.js", docs, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("docs/scalar.js")).StatusCode);   // served locally, no CDN
        await _stack.SendAsync(Emails.Simple(Emails.Unique("metrics")));
        var metrics = await anonymous.GetStringAsync("metrics");
        Assert.Contains("emailrelay_emails_accepted", metrics, StringComparison.Ordinal);
    }

    private async Task<JsonElement> GetAsync(string path) =>
        JsonDocument.Parse(await _stack.Api.GetStringAsync(path)).RootElement.Clone();
}
