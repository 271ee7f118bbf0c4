using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>Every kind of bad input gets a 4xx problem naming the field, and nothing is stored.</summary>
[Collection(StandardStackCollection.Name)]
public sealed class ValidationTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    public static TheoryData<string, string, string> InvalidBodies()
    {
        var to51 = JsonSerializer.Serialize(Enumerable.Range(0, 51).Select(i => $"r{i}@example.net"));
        var tooLarge = Convert.ToBase64String(new byte[11 * 1024 * 1024]);
        return new TheoryData<string, string, string>
        {
            // body, expected status, field named in errors
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y" """, "400", "$" },
            { """{"from": "a@acme.example", "to": "b@example.net", "subject": "x", "text": "y"}""", "400", "to" },
            { """{"from": 42, "to": ["b@example.net"], "subject": "x", "text": "y"}""", "400", "from" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "send_at": "tomorrow"}""", "400", "send_at" },
            { """{"to": ["b@example.net"], "subject": "x", "text": "y"}""", "400", "from" },
            { """{"from": "a@acme.example", "subject": "x", "text": "y"}""", "400", "to" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x"}""", "400", "text" },
            { $$"""{"from": "a@acme.example", "to": {{to51}}, "subject": "x", "text": "y"}""", "400", "to" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x\r\nBcc: victim@example.org", "text": "y"}""", "400", "subject" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "headers": {"X-Track": "1\nBcc: v@example.org"}}""", "400", "headers.X-Track" },
            { """{"from": "Evil\r\nBcc: v@example.org <a@acme.example>", "to": ["b@example.net"], "subject": "x", "text": "y"}""", "400", "from" },
            { """{"from": "a@acme.example", "to": ["Bob\n <b@example.net>"], "subject": "x", "text": "y"}""", "400", "to[0]" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "headers": {"Message-ID": "<x@y>"}}""", "400", "headers.Message-ID" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "headers": {"content-type": "text/evil"}}""", "400", "headers.content-type" },
            { """{"from": "a@acme.example", "to": ["not an address"], "subject": "x", "text": "y"}""", "400", "to[0]" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "cc": ["c@"], "subject": "x", "text": "y"}""", "400", "cc[0]" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "attachments": [{"filename": "a.txt", "content": "not base64!"}]}""", "400", "attachments[0].content" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "unknown_field": 1}""", "400", "unknown_field" },
            { """{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "send_at": "2099-01-01T00:00:00Z"}""", "400", "send_at" },
            { $$"""{"from": "a@acme.example", "to": ["b@example.net"], "subject": "x", "text": "y", "attachments": [{"filename": "big.bin", "content": "{{tooLarge}}"}]}""", "413", "$" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_email_gets_a_problem_naming_the_field_and_nothing_is_stored(string body, string status, string field)
    {
        var before = await CountMessagesAsync();
        using var response = await PostRawAsync("v1/emails", body, "application/json");
        var problem = await ProblemAsync(response);

        Assert.Equal(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), (int)response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        Assert.Equal(before, await CountMessagesAsync());
    }

    [Fact]
    public async Task Non_json_content_type_is_415()
    {
        using var response = await PostRawAsync("v1/emails", "from=a@acme.example", "application/x-www-form-urlencoded");
        var problem = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_accepts_valid_items_and_reports_each_invalid_one_in_order()
    {
        var good1 = Emails.Unique("batch1");
        var good2 = Emails.Unique("batch2");
        var bad = Emails.Simple("not-an-address");
        using var response = await _stack.PostJsonAsync("v1/emails/batch", new { emails = new object[] { Emails.Simple(good1), bad, Emails.Simple(good2) } });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.Equal("queued", items[0].Str("status"));
        Assert.True(items[1].GetProperty("error").GetProperty("errors").TryGetProperty("to[0]", out _));
        Assert.False(items[1].TryGetProperty("id", out _));
        await _stack.WaitForStatusAsync(items[0].GetProperty("id").GetGuid(), "delivered");
        await _stack.WaitForStatusAsync(items[2].GetProperty("id").GetGuid(), "delivered");
    }

    [Theory]
    [InlineData("""{"emails": []}""")]
    [InlineData("""{"emails": "nope"}""")]
    [InlineData("""{}""")]
    public async Task Batch_without_1_to_500_items_is_rejected(string body)
    {
        using var response = await PostRawAsync("v1/emails/batch", body, "application/json");
        var problem = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("emails", out _), problem.ToString());
    }

    [Fact]
    public async Task Batch_of_501_is_rejected_whole()
    {
        var before = await CountMessagesAsync();
        var emails = Enumerable.Range(0, 501).Select(_ => Emails.Simple("x@example.net")).ToArray();
        using var response = await _stack.PostJsonAsync("v1/emails/batch", new { emails });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, await CountMessagesAsync());
    }

    [Fact]
    public async Task Batch_item_of_the_wrong_json_shape_fails_alone()
    {
        var good = Emails.Unique("shape");
        var body = $$"""{"emails": [{"to": 5}, {{JsonSerializer.Serialize(Emails.Simple(good))}}, null]}""";
        using var response = await PostRawAsync("v1/emails/batch", body, "application/json");
        var items = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").EnumerateArray().ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, items.Count);
        Assert.True(items[0].GetProperty("error").GetProperty("errors").TryGetProperty("to", out _), items[0].ToString());
        Assert.Equal("queued", items[1].Str("status"));
        Assert.True(items[2].GetProperty("error").GetProperty("errors").TryGetProperty("$", out _), items[2].ToString());
        await _stack.WaitForStatusAsync(items[1].GetProperty("id").GetGuid(), "delivered");
    }

    [Fact]
    public async Task Batch_that_turns_invalid_after_several_valid_items_is_400_naming_the_body_and_stores_nothing()
    {
        var before = await CountMessagesAsync();
        var valid = string.Join(", ", Enumerable.Range(0, 3).Select(_ => JsonSerializer.Serialize(Emails.Simple(Emails.Unique("broken")))));
        using var response = await PostRawAsync("v1/emails/batch", $$"""{"emails": [{{valid}}] x}""", "application/json");
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON (line 1, byte", problem.GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountMessagesAsync());
    }

    [Fact]
    public async Task Batch_body_over_the_limit_sent_chunked_is_413()
    {
        // Valid JSON as far as it goes, and no Content-Length: only the bytes that arrive show the limit passed.
        var body = new byte[64 * 1024 * 1024 + 1];
        body.AsSpan().Fill((byte)' ');
        "{\"emails\": ["u8.CopyTo(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/emails/batch") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        using var response = await _stack.Api.SendAsync(request);
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("64 MiB", problem.GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_email_is_404_problem()
    {
        using var response = await _stack.Api.GetAsync($"v1/emails/{Guid.NewGuid()}");
        var problem = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    private async Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await _stack.Api.PostAsync(path, content);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private Task<long> CountMessagesAsync() => _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages");
}
