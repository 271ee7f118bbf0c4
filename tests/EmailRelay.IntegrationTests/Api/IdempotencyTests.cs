using System.Net;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

[Collection(StandardStackCollection.Name)]
public sealed class IdempotencyTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task Same_key_and_body_replays_the_original_response_and_stores_one_message()
    {
        var key = Guid.NewGuid().ToString();
        var body = Emails.Simple(Emails.Unique("idem"));

        using var first = await _stack.PostJsonAsync("v1/emails", body, key);
        using var second = await _stack.PostJsonAsync("v1/emails", body, key);
        var firstBody = await first.Content.ReadAsStringAsync();
        var secondBody = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(first.Headers.Location, second.Headers.Location);

        var id = JsonDocument.Parse(firstBody).RootElement.GetProperty("id").GetGuid();
        await _stack.WaitForStatusAsync(id, "delivered");
        var to = ((string[])body["to"]!)[0];
        Assert.Equal(1, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE address = $1", to));
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }

    [Fact]
    public async Task Same_key_with_another_body_is_422()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await _stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("idem")), key);
        using var second = await _stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("other")), key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Key_of_a_request_still_running_is_409()
    {
        // A request in flight is a reservation without a response: make one as a concurrent
        // request would have, then send the same key.
        var key = Guid.NewGuid().ToString();
        var body = Emails.Simple(Emails.Unique("running"));
        var json = JsonSerializer.SerializeToUtf8Bytes(body, Json.Options);
        // The request hash is SHA-256 over the route, a zero byte and the body bytes.
        var hash = System.Security.Cryptography.SHA256.HashData([.. "/v1/emails"u8, 0, .. json]);
        await _stack.Database.ScalarAsync<int>(
            "INSERT INTO idempotency (owner, key, request_hash, created_at) VALUES ('bootstrap', $1, $2, now())", key, hash);

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/emails") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", key);
        using var response = await _stack.Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);

        // The same key with another body is still a mismatch, not a wait.
        using var other = await _stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("other")), key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
    }

    [Fact]
    public async Task Invalid_idempotency_key_is_named()
    {
        using var response = await _stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("k")), new string('k', 256));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }
}
