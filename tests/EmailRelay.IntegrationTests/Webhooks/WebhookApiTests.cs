using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// API.md §Webhooks on a real API process: the endpoint lifecycle, validation naming each field,
/// the SSRF guard at registration, and projects kept apart exactly as for API keys. The public
/// addresses registered here are never called: the stack has no Tracking.
/// </summary>
public sealed class WebhookApiTests(WebhookApiStack fixture) : IClassFixture<WebhookApiStack>
{
    // A public address: accepted by the guard without a DNS lookup, and never called (no Tracking here).
    private const string PublicUrl = "https://1.1.1.1/emailrelay-hooks";
    private RelayStack Stack => fixture.Stack;

    [Theory]
    [InlineData("https://127.0.0.1/hook", "loopback")]
    [InlineData("https://127.1/hook", "loopback")]
    [InlineData("https://localhost:8443/hook", "loopback")]
    [InlineData("https://[::1]/hook", "loopback")]
    [InlineData("https://[::ffff:127.0.0.1]/hook", "IPv4-mapped")]
    [InlineData("https://10.1.2.3/hook", "RFC 1918")]
    [InlineData("https://172.20.0.5/hook", "RFC 1918")]
    [InlineData("https://192.168.1.10/hook", "RFC 1918")]
    [InlineData("https://100.64.0.1/hook", "CGNAT")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "metadata")]
    [InlineData("https://169.254.10.10/hook", "link-local")]
    [InlineData("https://[fd00::1]/hook", "unique local")]
    [InlineData("https://[fe80::1]/hook", "link-local")]
    [InlineData("https://0.0.0.0/hook", "this network")]
    [InlineData("https://0x7f000001/hook", "loopback")]
    [InlineData("http://1.1.1.1/hook", "https://")]
    public async Task Registration_refuses_urls_that_are_not_public_https(string url, string reason)
    {
        using var response = await Stack.PostJsonAsync("v1/webhooks", new { url, event_types = new[] { "delivered" } });

        var error = await FieldErrorAsync(response, "url");
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_is_created_listed_changed_rotated_and_deleted_and_its_secret_is_shown_only_on_create_and_rotate()
    {
        using var create = await Stack.PostJsonAsync("v1/webhooks",
            new { url = PublicUrl, event_types = new[] { "delivered", "bounced", "auto_replied" }, description = "billing" });
        var created = await ReadAsync(create, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal($"/v1/webhooks/{id}", create.Headers.Location?.OriginalString);
        var secret = created.Str("secret");
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.Equal(["delivered", "bounced", "auto_replied"], created.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()).ToList());
        Assert.Equal("00000000-0000-0000-0000-000000000001", created.Str("project_id"));
        try
        {
            var fetched = await ReadAsync(await Stack.Api.GetAsync($"v1/webhooks/{id}"), HttpStatusCode.OK);
            Assert.False(fetched.TryGetProperty("secret", out _));
            Assert.Equal(PublicUrl, fetched.Str("url"));
            Assert.Equal("billing", fetched.Str("description"));
            Assert.Contains(id, await ListIdsAsync(Stack.Api, "v1/webhooks?limit=100"));

            var patched = await ReadAsync(await PatchAsync(Stack.Api, $"v1/webhooks/{id}",
                new { event_types = new[] { "complained" }, description = (string?)null, enabled = false }), HttpStatusCode.OK);
            Assert.Equal(["complained"], patched.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()).ToList());
            Assert.Equal(JsonValueKind.Null, patched.GetProperty("description").ValueKind);
            Assert.False(patched.GetProperty("enabled").GetBoolean());
            Assert.Equal("disabled through the API", patched.Str("disabled_reason"));
            Assert.Equal(PublicUrl, patched.Str("url"));
            var enabled = await ReadAsync(await PatchAsync(Stack.Api, $"v1/webhooks/{id}", new { enabled = true }), HttpStatusCode.OK);
            Assert.True(enabled.GetProperty("enabled").GetBoolean());
            Assert.Equal(JsonValueKind.Null, enabled.GetProperty("disabled_reason").ValueKind);
            Assert.Equal(["complained"], enabled.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()).ToList());
            Assert.Contains("loopback", await FieldErrorAsync(await PatchAsync(Stack.Api, $"v1/webhooks/{id}", new { url = "https://127.0.0.1/x" }), "url"),
                StringComparison.Ordinal);

            var rotated = await ReadAsync(await Stack.Api.PostAsync($"v1/webhooks/{id}/rotate-secret", null), HttpStatusCode.OK);
            Assert.NotEqual(secret, rotated.Str("secret"));
            Assert.StartsWith("whsec_", rotated.Str("secret"), StringComparison.Ordinal);
            Assert.InRange(rotated.GetProperty("previous_secret_expires_at").GetDateTime(), DateTime.UtcNow.AddHours(23), DateTime.UtcNow.AddHours(25));
            var afterRotation = await ReadAsync(await Stack.Api.GetAsync($"v1/webhooks/{id}"), HttpStatusCode.OK);
            Assert.Equal(JsonValueKind.String, afterRotation.GetProperty("previous_secret_expires_at").ValueKind);

            var deliveries = await ReadAsync(await Stack.Api.GetAsync($"v1/webhooks/{id}/deliveries"), HttpStatusCode.OK);
            Assert.Empty(deliveries.GetProperty("data").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, deliveries.GetProperty("next_cursor").ValueKind);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await Stack.Api.DeleteAsync($"v1/webhooks/{id}")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.GetAsync($"v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.DeleteAsync($"v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.PostAsync($"v1/webhooks/{id}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.GetAsync($"v1/webhooks/{id}/deliveries")).StatusCode);
        Assert.DoesNotContain(id, await ListIdsAsync(Stack.Api, "v1/webhooks?limit=100"));
    }

    [Fact]
    public async Task The_list_is_keyset_paginated_oldest_first()
    {
        var (project, key) = await ProjectWithKeyAsync("settings");
        using var client = Stack.ClientWithKey(key);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await ReadAsync(await Stack.PostJsonAsync("v1/webhooks", new { url = PublicUrl, event_types = new[] { "delivered" } }, client: client),
                HttpStatusCode.Created)).GetProperty("id").GetGuid());
        }
        try
        {
            var seen = new List<Guid>();
            string? cursor = null;
            do
            {
                var page = await ReadAsync(await client.GetAsync("v1/webhooks?limit=2" + (cursor is null ? "" : "&cursor=" + cursor)), HttpStatusCode.OK);
                seen.AddRange(page.GetProperty("data").EnumerateArray().Select(w => w.GetProperty("id").GetGuid()));
                cursor = page.GetProperty("next_cursor").GetString();
            }
            while (cursor is not null);
            Assert.Equal(ids, seen);
            Assert.Equal(ids, await ListIdsAsync(Stack.Api, $"v1/webhooks?project_id={project}"));
        }
        finally
        {
            foreach (var id in ids)
            {
                await client.DeleteAsync($"v1/webhooks/{id}");
            }
        }
    }

    [Theory]
    [InlineData("""{"event_types": ["delivered"]}""", "url")]
    [InlineData("""{"url": "https://1.1.1.1/x"}""", "event_types")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": []}""", "event_types")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered", "opened"]}""", "event_types[1]")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered", "delivered"]}""", "event_types[1]")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered", null]}""", "event_types[1]")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": "delivered"}""", "event_types")]
    [InlineData("""{"url": "https://user:pw@1.1.1.1/x", "event_types": ["delivered"]}""", "url")]
    [InlineData("""{"url": "https://1.1.1.1/x#frag", "event_types": ["delivered"]}""", "url")]
    [InlineData("""{"url": "not a url", "event_types": ["delivered"]}""", "url")]
    [InlineData("""{"url": "https://1.1.1.1/\u0000", "event_types": ["delivered"]}""", "url")]
    [InlineData("""{"url": 42, "event_types": ["delivered"]}""", "url")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered"], "description": "a\u0000b"}""", "description")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered"], "secret": "whsec_mine"}""", "secret")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered"], "project_id": "nope"}""", "project_id")]
    [InlineData("""{"url": "https://1.1.1.1/x", "event_types": ["delivered"], "project_id": "0195f0e4-0000-7000-8000-000000000000"}""", "project_id")]
    public async Task Invalid_fields_are_named_in_a_400(string json, string field)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Stack.Api.PostAsync("v1/webhooks", content);

        await FieldErrorAsync(response, field);
    }

    [Fact]
    public async Task Over_long_values_and_bodies_are_refused_with_4xx_never_5xx()
    {
        var longUrl = "https://1.1.1.1/" + new string('a', 2048);
        Assert.Contains("2048", await FieldErrorAsync(await Stack.PostJsonAsync("v1/webhooks", new { url = longUrl, event_types = new[] { "delivered" } }), "url"),
            StringComparison.Ordinal);
        await FieldErrorAsync(await Stack.PostJsonAsync("v1/webhooks",
            new { url = PublicUrl, event_types = new[] { "delivered" }, description = new string('d', 501) }), "description");
        using var huge = await Stack.PostJsonAsync("v1/webhooks", new { url = PublicUrl, event_types = new[] { "delivered" }, description = new string('d', 40_000) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        using var text = await Stack.Api.PostAsync("v1/webhooks", new StringContent("url=x", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        foreach (var path in new[] { "v1/webhooks/not-a-guid", $"v1/webhooks/{Guid.NewGuid()}", $"v1/webhooks/{Guid.NewGuid()}/deliveries" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.GetAsync("v1/webhooks?cursor=%00")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.GetAsync("v1/webhooks?limit=0")).StatusCode);
        using var patch = await PatchAsync(Stack.Api, $"v1/webhooks/{Guid.NewGuid()}", new { enabled = (bool?)null });
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
    }

    [Fact]
    public async Task A_project_key_never_sees_or_changes_another_projects_endpoint()
    {
        var (projectA, keyA) = await ProjectWithKeyAsync("settings");
        var (projectB, keyB) = await ProjectWithKeyAsync("settings");
        var (_, readOnly) = await ProjectWithKeyAsync("emails:read", "emails:send");
        using var clientA = Stack.ClientWithKey(keyA);
        using var clientB = Stack.ClientWithKey(keyB);
        using var reader = Stack.ClientWithKey(readOnly);

        var created = await ReadAsync(await Stack.PostJsonAsync("v1/webhooks", new { url = PublicUrl, event_types = new[] { "bounced" } }, client: clientA),
            HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(projectA, created.GetProperty("project_id").GetGuid());
        try
        {
            var delivery = Guid.NewGuid();
            Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"v1/webhooks/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync(clientB, $"v1/webhooks/{id}", new { enabled = false })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await clientB.PostAsync($"v1/webhooks/{id}/rotate-secret", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"v1/webhooks/{id}/deliveries")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await clientB.PostAsync($"v1/webhooks/{id}/deliveries/{delivery}/replay", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await clientB.DeleteAsync($"v1/webhooks/{id}")).StatusCode);
            Assert.DoesNotContain(id, await ListIdsAsync(clientB, "v1/webhooks?limit=100"));
            await FieldErrorAsync(await clientB.GetAsync($"v1/webhooks?project_id={projectA}"), "project_id");
            await FieldErrorAsync(await Stack.PostJsonAsync("v1/webhooks",
                new { url = PublicUrl, event_types = new[] { "bounced" }, project_id = projectA }, client: clientB), "project_id");

            // The owner and the operator see it; the operator narrows with project_id.
            Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync($"v1/webhooks/{id}")).StatusCode);
            Assert.Contains(id, await ListIdsAsync(clientA, "v1/webhooks?limit=100"));
            Assert.Contains(id, await ListIdsAsync(Stack.Api, $"v1/webhooks?project_id={projectA}"));
            Assert.DoesNotContain(id, await ListIdsAsync(Stack.Api, $"v1/webhooks?project_id={projectB}"));
            Assert.Equal(HttpStatusCode.OK, (await Stack.Api.GetAsync($"v1/webhooks/{id}")).StatusCode);

            // An operator creates into a project it names.
            var intoB = await ReadAsync(await Stack.PostJsonAsync("v1/webhooks", new { url = PublicUrl, event_types = new[] { "bounced" }, project_id = projectB }),
                HttpStatusCode.Created);
            Assert.Equal(projectB, intoB.GetProperty("project_id").GetGuid());
            Assert.Contains(intoB.GetProperty("id").GetGuid(), await ListIdsAsync(clientB, "v1/webhooks"));
            Assert.Equal(HttpStatusCode.NoContent, (await clientB.DeleteAsync($"v1/webhooks/{intoB.GetProperty("id").GetGuid()}")).StatusCode);

            // Webhooks are settings: a key without the scope is refused.
            Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("v1/webhooks")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden,
                (await Stack.PostJsonAsync("v1/webhooks", new { url = PublicUrl, event_types = new[] { "bounced" } }, client: reader)).StatusCode);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await clientA.DeleteAsync($"v1/webhooks/{id}")).StatusCode);
        }
    }

    private async Task<(Guid Project, string Key)> ProjectWithKeyAsync(params string[] scopes)
    {
        var project = await ReadAsync(await Stack.PostJsonAsync("v1/projects", new { name = "p-" + Guid.NewGuid().ToString("N")[..10] }), HttpStatusCode.Created);
        var id = project.GetProperty("id").GetGuid();
        var key = await ReadAsync(await Stack.PostJsonAsync("v1/api-keys", new { name = "key", scopes, project_id = id }), HttpStatusCode.Created);
        return (id, key.Str("key"));
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string path, object body) =>
        client.PatchAsync(path, JsonContent.Create(body, options: Json.Options));

    private static async Task<List<Guid>> ListIdsAsync(HttpClient client, string path) =>
        (await ReadAsync(await client.GetAsync(path), HttpStatusCode.OK)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("id").GetGuid()).ToList();

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    /// <summary>Asserts a 400 problem whose errors name <paramref name="field"/>; returns its message.</summary>
    private static async Task<string> FieldErrorAsync(HttpResponseMessage response, string field)
    {
        var problem = await ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for {field}: {problem}");
        return string.Join(" ", messages.EnumerateArray().Select(m => m.GetString()));
    }
}
