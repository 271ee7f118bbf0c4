using System.Net;
using System.Text;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;
using MimeKit;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>The requests the issue reported, each answered as the client's mistake it is (or accepted).</summary>
[Collection(StandardStackCollection.Name)]
public sealed class ReportedInputTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task An_eml_attachment_with_empty_content_is_accepted_as_octet_stream()
    {
        var email = Emails.Simple(Emails.Unique("eml"));
        email["attachments"] = new[] { new Dictionary<string, string> { ["filename"] = "a.eml", ["content"] = "" } };

        var id = await _stack.SendAsync(email);

        var mime = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        var part = Assert.Single(MimeMessage.Load(new MemoryStream(mime!)).Attachments);
        Assert.Equal("a.eml", part.ContentDisposition?.FileName);
        Assert.Equal("application/octet-stream", part.ContentType.MimeType);
    }

    [Theory]
    [InlineData("message/rfc822")]
    [InlineData("multipart/mixed")]
    public async Task An_explicit_message_or_multipart_attachment_is_a_400_naming_the_field(string contentType)
    {
        var email = Emails.Simple(Emails.Unique("rfc822"));
        email["attachments"] = new[]
        {
            new Dictionary<string, string> { ["filename"] = "a.eml", ["content_type"] = contentType, ["content"] = Convert.ToBase64String("not a message"u8.ToArray()) },
        };
        var before = await CountAsync();

        using var response = await _stack.PostJsonAsync("v1/emails", email);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ErrorsAsync(response)).TryGetProperty("attachments[0].content_type", out _));
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_bad_item_in_a_batch_fails_alone()
    {
        var good = Emails.Simple(Emails.Unique("good"));
        var bad = Emails.Simple(Emails.Unique("bad"));
        bad["attachments"] = new[] { new Dictionary<string, string> { ["filename"] = "a.eml", ["content_type"] = "message/rfc822", ["content"] = "" } };
        var nulKey = Emails.Simple(Emails.Unique("nul"));
        nulKey["metadata"] = new Dictionary<string, string> { ["a\0b"] = "v" };

        using var response = await _stack.PostJsonAsync("v1/emails/batch", new { emails = new[] { bad, good, nulKey } });
        var items = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(items[0].GetProperty("error").GetProperty("errors").TryGetProperty("attachments[0].content_type", out _));
        Assert.Equal("queued", items[1].Str("status"));
        Assert.True(items[2].GetProperty("error").GetProperty("errors").TryGetProperty("metadata.a\\u0000b", out _), items[2].ToString());
    }

    [Fact]
    public async Task A_metadata_key_with_nul_is_a_400_not_a_503()
    {
        var email = Emails.Simple(Emails.Unique("nulkey"));
        email["metadata"] = new Dictionary<string, string> { ["a\0b"] = "v" };

        using var response = await _stack.PostJsonAsync("v1/emails", email);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.True((await ErrorsAsync(response)).TryGetProperty("metadata.a\\u0000b", out _));
    }

    [Theory]
    [InlineData("v1/emails?recipient=%00", "recipient")]
    [InlineData("v1/emails?from=a%01b", "from")]
    [InlineData("v1/emails?tag=%00", "tag")]
    [InlineData("v1/events?recipient=%00", "recipient")]
    [InlineData("v1/emails?limit=5&limit=6", "limit")]
    [InlineData("v1/events?email_id=00000000-0000-0000-0000-000000000000&email_id=00000000-0000-0000-0000-000000000001", "email_id")]
    public async Task A_query_filter_with_control_characters_or_given_twice_is_a_400_naming_it(string path, string field)
    {
        using var response = await _stack.Api.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ErrorsAsync(response)).TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_time_filter_with_an_offset_is_answered()
    {
        using var response = await _stack.Api.GetAsync("v1/emails?since=2026-01-01T00:00:00%2B02:00&until=2099-01-01T00:00:00-05:00");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_body_in_another_charset_is_415()
    {
        var content = new ByteArrayContent(Encoding.Unicode.GetBytes("{}"));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-16");

        using var response = await _stack.Api.PostAsync("v1/emails", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").Clone();
    }

    private Task<long> CountAsync() => _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages");
}
