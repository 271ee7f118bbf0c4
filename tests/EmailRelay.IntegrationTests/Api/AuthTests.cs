using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

[Collection(StandardStackCollection.Name)]
public sealed class AuthTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task Request_without_a_key_is_401_with_a_bearer_challenge()
    {
        using var anonymous = new HttpClient { BaseAddress = _stack.Api.BaseAddress };
        using var response = await anonymous.PostAsJsonAsync("v1/emails", Emails.Simple("a@example.net"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_key_and_key_in_the_url_are_401()
    {
        using var wrong = _stack.ClientWithKey("er_live_not-a-real-key-000000000000000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("v1/emails")).StatusCode);

        using var anonymous = new HttpClient { BaseAddress = _stack.Api.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"v1/emails?api_key={RelayStack.BootstrapKey}")).StatusCode);
    }

    [Fact]
    public async Task Send_only_key_can_send_but_not_read_and_revocation_is_immediate()
    {
        var created = await CreateKeyAsync("sender", "emails:send");
        var key = created.Str("key");
        Assert.StartsWith("er_live_", key, StringComparison.Ordinal);
        Assert.Equal(key[..12], created.Str("prefix"));

        using var client = _stack.ClientWithKey(key);
        using (var send = await _stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("scoped")), client: client))
        {
            Assert.Equal(HttpStatusCode.Accepted, send.StatusCode);
        }
        using (var read = await client.GetAsync("v1/emails"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
            Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
        }
        using (var admin = await client.GetAsync("v1/api-keys"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        }

        using (var revoke = await _stack.Api.DeleteAsync($"v1/api-keys/{created.Str("id")}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }
        using (var after = await _stack.PostJsonAsync("v1/emails", Emails.Simple(Emails.Unique("scoped")), client: client))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }
    }

    [Fact]
    public async Task Read_key_reads_but_cannot_send()
    {
        var key = (await CreateKeyAsync("reader", "emails:read")).Str("key");
        using var client = _stack.ClientWithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("v1/emails")).StatusCode);
        using var send = await _stack.PostJsonAsync("v1/emails", Emails.Simple("a@example.net"), client: client);
        Assert.Equal(HttpStatusCode.Forbidden, send.StatusCode);
    }

    [Fact]
    public async Task Only_the_hash_of_a_key_is_stored_and_listing_never_shows_it()
    {
        var created = await CreateKeyAsync("hashed", "emails:send", "emails:read");
        var key = created.Str("key");
        var id = created.GetProperty("id").GetGuid();

        var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT key_hash FROM api_keys WHERE id = $1", id);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)), stored);
        var anyColumnHoldsKey = await _stack.Database.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM api_keys k WHERE position($1 IN k::text) > 0)", key);
        Assert.False(anyColumnHoldsKey);

        var list = await _stack.Api.GetStringAsync("v1/api-keys");
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(list).RootElement.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetGuid() == id);
        Assert.Equal(["emails:send", "emails:read"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).ToArray());
    }

    [Fact]
    public async Task Creating_a_key_with_an_unknown_scope_names_the_field()
    {
        using var response = await _stack.PostJsonAsync("v1/api-keys", new { name = "bad", scopes = new[] { "emails:send", "root" } });
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("scopes[1]", out _), problem.ToString());
    }

    private async Task<JsonElement> CreateKeyAsync(string name, params string[] scopes)
    {
        using var response = await _stack.PostJsonAsync("v1/api-keys", new { name, scopes });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
