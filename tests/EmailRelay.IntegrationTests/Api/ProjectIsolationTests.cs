using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>
/// API.md §Projects: a project key never sees, lists, tails or replays another project's data; an
/// operator key sees every project and can narrow to one.
/// </summary>
[Collection(StandardStackCollection.Name)]
public sealed class ProjectIsolationTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task A_project_key_never_sees_lists_tails_or_replays_another_projects_email()
    {
        var (projectA, keyA) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        var (_, keyB) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var clientA = _stack.ClientWithKey(keyA);
        using var clientB = _stack.ClientWithKey(keyB);

        var toA = Emails.Unique("project-a");
        var idempotencyKey = Guid.NewGuid().ToString();
        var bodyA = Emails.Simple(toA);
        var idA = await SendAsync(clientA, bodyA, idempotencyKey);
        var idB = await SendAsync(clientB, Emails.Simple(Emails.Unique("project-b")));
        await _stack.WaitForStatusAsync(idA, "delivered");   // the sender's events carry the project too
        await _stack.WaitForStatusAsync(idB, "delivered");

        // Reading by id: not found, exactly like an id that never existed.
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"v1/emails/{idA}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"v1/emails/{idA}/attempts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync($"v1/emails/{idA}")).StatusCode);

        // Lists, with and without filters that would match A's email.
        Assert.DoesNotContain(idA, await ListIdsAsync(clientB, "v1/emails?limit=100"));
        Assert.Contains(idB, await ListIdsAsync(clientB, "v1/emails?limit=100"));
        Assert.Empty(await ListIdsAsync(clientB, $"v1/emails?recipient={Uri.EscapeDataString(toA)}"));
        Assert.Single(await ListIdsAsync(clientA, $"v1/emails?recipient={Uri.EscapeDataString(toA)}"));

        // Tailing the feed from the start, and asking for A's email by id.
        var tailedB = await TailEventsAsync(clientB);
        Assert.DoesNotContain(tailedB, e => e.GetProperty("email_id").GetGuid() == idA);
        Assert.Contains(tailedB, e => e.GetProperty("email_id").GetGuid() == idB && e.Str("type") == "delivered");
        Assert.Empty(await TailEventsAsync(clientB, $"&email_id={idA}"));
        Assert.Contains(await TailEventsAsync(clientA), e => e.GetProperty("email_id").GetGuid() == idA && e.Str("type") == "delivered");

        // Naming the other project is refused, not honoured.
        using (var named = await clientB.GetAsync($"v1/emails?project_id={projectA}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, named.StatusCode);
            Assert.True(JsonDocument.Parse(await named.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("project_id", out _));
        }

        // The same Idempotency-Key and body from another project's key is a new request, never A's replay.
        using var other = await _stack.PostJsonAsync("v1/emails", bodyA, idempotencyKey, clientB);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(idA, JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task An_operator_key_sees_every_project_narrows_with_project_id_and_sends_into_one()
    {
        var (projectA, keyA) = await ProjectWithKeyAsync("emails:read");
        using var clientA = _stack.ClientWithKey(keyA);

        // Sent by the operator into project A: A's key sees it.
        using var intoA = await _stack.PostJsonAsync($"v1/emails?project_id={projectA}", Emails.Simple(Emails.Unique("operator-a")));
        Assert.Equal(HttpStatusCode.Accepted, intoA.StatusCode);
        var idIntoA = JsonDocument.Parse(await intoA.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        // Sent by the operator without a project: the default project, which A's key does not see.
        var idDefault = await _stack.SendAsync(Emails.Simple(Emails.Unique("operator-default")));

        Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync($"v1/emails/{idIntoA}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.GetAsync($"v1/emails/{idDefault}")).StatusCode);

        var all = await ListIdsAsync(_stack.Api, "v1/emails?limit=100");
        Assert.Contains(idIntoA, all);
        Assert.Contains(idDefault, all);
        var narrowed = await ListIdsAsync(_stack.Api, $"v1/emails?limit=100&project_id={projectA}");
        Assert.Contains(idIntoA, narrowed);
        Assert.DoesNotContain(idDefault, narrowed);
        Assert.All(await TailEventsAsync(_stack.Api, $"&project_id={projectA}"), e => Assert.Equal(idIntoA, e.GetProperty("email_id").GetGuid()));

        // A project that does not exist is named as the problem, and nothing is stored.
        var before = await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages");
        using var missing = await _stack.PostJsonAsync($"v1/emails?project_id={Guid.NewGuid()}", Emails.Simple(Emails.Unique("nowhere")));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(before, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task A_settings_key_manages_only_its_own_projects_keys_and_never_mints_admin()
    {
        var (projectA, keyA) = await ProjectWithKeyAsync("settings");
        var (projectB, keyB) = await ProjectWithKeyAsync("settings");
        using var clientA = _stack.ClientWithKey(keyA);

        var created = await ReadAsync(await _stack.PostJsonAsync("v1/api-keys", new { name = "a-sender", scopes = new[] { "emails:send" } }, client: clientA),
            HttpStatusCode.Created);
        Assert.Equal(projectA, created.GetProperty("project_id").GetGuid());

        var listed = (await ReadAsync(await clientA.GetAsync("v1/api-keys"), HttpStatusCode.OK)).GetProperty("data").EnumerateArray().ToList();
        Assert.All(listed, k => Assert.Equal(projectA, k.GetProperty("project_id").GetGuid()));
        Assert.Contains(listed, k => k.Str("id") == created.Str("id"));

        var keyBId = (await ReadAsync(await _stack.Api.GetAsync($"v1/api-keys?project_id={projectB}"), HttpStatusCode.OK))
            .GetProperty("data").EnumerateArray().Single().Str("id");
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.DeleteAsync($"v1/api-keys/{keyBId}")).StatusCode);
        using (var clientB = _stack.ClientWithKey(keyB))
        {
            Assert.Equal(HttpStatusCode.OK, (await clientB.GetAsync("v1/api-keys")).StatusCode);   // B's key still works
        }

        var admin = await ReadAsync(await _stack.PostJsonAsync("v1/api-keys", new { name = "escalate", scopes = new[] { "admin" } }, client: clientA),
            HttpStatusCode.BadRequest);
        Assert.True(admin.GetProperty("errors").TryGetProperty("scopes[0]", out _));
        var elsewhere = await ReadAsync(await _stack.PostJsonAsync("v1/api-keys",
            new { name = "elsewhere", scopes = new[] { "emails:send" }, project_id = projectB }, client: clientA), HttpStatusCode.BadRequest);
        Assert.True(elsewhere.GetProperty("errors").TryGetProperty("project_id", out _));

        // Projects themselves are an operator's business.
        Assert.Equal(HttpStatusCode.Forbidden, (await clientA.GetAsync("v1/projects")).StatusCode);
    }

    [Fact]
    public async Task Projects_are_created_listed_renamed_and_given_their_own_rate_limit()
    {
        var name = "billing-" + Guid.NewGuid().ToString("N")[..8];
        var created = await ReadAsync(await _stack.PostJsonAsync("v1/projects", new { name, rate_limit = new { per_second = 50, burst = 100 } }),
            HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(name, created.Str("name"));
        Assert.Equal(50, created.GetProperty("rate_limit").GetProperty("per_second").GetDouble());
        Assert.Equal(100, created.GetProperty("rate_limit").GetProperty("burst").GetInt32());
        Assert.False(created.GetProperty("rate_limit_is_default").GetBoolean());

        var duplicate = await ReadAsync(await _stack.PostJsonAsync("v1/projects", new { name }), HttpStatusCode.BadRequest);
        Assert.True(duplicate.GetProperty("errors").TryGetProperty("name", out _));
        var badRate = await ReadAsync(await _stack.PostJsonAsync("v1/projects", new { name = name + "-x", rate_limit = new { per_second = 0, burst = 10 } }),
            HttpStatusCode.BadRequest);
        Assert.True(badRate.GetProperty("errors").TryGetProperty("rate_limit.per_second", out _));

        using var rename = new HttpRequestMessage(HttpMethod.Patch, $"v1/projects/{id}") { Content = JsonContent.Create(new { name = name + "-renamed" }) };
        var renamed = await ReadAsync(await _stack.Api.SendAsync(rename), HttpStatusCode.OK);
        Assert.Equal(name + "-renamed", renamed.Str("name"));
        Assert.Equal(50, renamed.GetProperty("rate_limit").GetProperty("per_second").GetDouble());   // untouched by a PATCH that omits it

        using var reset = new HttpRequestMessage(HttpMethod.Patch, $"v1/projects/{id}")
        {
            Content = new StringContent("""{"rate_limit": null}""", System.Text.Encoding.UTF8, "application/json"),
        };
        var defaulted = await ReadAsync(await _stack.Api.SendAsync(reset), HttpStatusCode.OK);
        Assert.True(defaulted.GetProperty("rate_limit_is_default").GetBoolean());
        Assert.Null(await _stack.Database.ScalarAsync<double?>("SELECT rate_limit_per_second FROM projects WHERE id = $1", id));

        var fetched = await ReadAsync(await _stack.Api.GetAsync($"v1/projects/{id}"), HttpStatusCode.OK);
        Assert.Equal(name + "-renamed", fetched.Str("name"));
        Assert.Equal(HttpStatusCode.NotFound, (await _stack.Api.GetAsync($"v1/projects/{Guid.NewGuid()}")).StatusCode);

        var names = new List<string>();
        string? cursor = null;
        do
        {
            var page = await ReadAsync(await _stack.Api.GetAsync("v1/projects?limit=2" + (cursor is null ? "" : $"&cursor={cursor}")), HttpStatusCode.OK);
            names.AddRange(page.GetProperty("data").EnumerateArray().Select(p => p.Str("name")));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        Assert.Contains("default", names);
        Assert.Contains(name + "-renamed", names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    private async Task<(Guid Project, string Key)> ProjectWithKeyAsync(params string[] scopes)
    {
        var project = await ReadAsync(await _stack.PostJsonAsync("v1/projects", new { name = "p-" + Guid.NewGuid().ToString("N")[..10] }),
            HttpStatusCode.Created);
        var id = project.GetProperty("id").GetGuid();
        var key = await ReadAsync(await _stack.PostJsonAsync("v1/api-keys", new { name = "key", scopes, project_id = id }), HttpStatusCode.Created);
        Assert.Equal(id, key.GetProperty("project_id").GetGuid());
        return (id, key.Str("key"));
    }

    private async Task<Guid> SendAsync(HttpClient client, object email, string? idempotencyKey = null)
    {
        var accepted = await ReadAsync(await _stack.PostJsonAsync("v1/emails", email, idempotencyKey, client), HttpStatusCode.Accepted);
        return accepted.GetProperty("id").GetGuid();
    }

    private static async Task<List<Guid>> ListIdsAsync(HttpClient client, string path) =>
        (await ReadAsync(await client.GetAsync(path), HttpStatusCode.OK)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("id").GetGuid()).ToList();

    /// <summary>Follows the feed's cursor from the beginning until a page comes back empty, as a tailing client does.</summary>
    private static async Task<List<JsonElement>> TailEventsAsync(HttpClient client, string filter = "")
    {
        // Events younger than the feed's hold-back are not served yet; wait them out once.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var events = new List<JsonElement>();
        string? cursor = null;
        while (true)
        {
            var page = await ReadAsync(await client.GetAsync("v1/events?limit=100" + filter + (cursor is null ? "" : $"&cursor={cursor}")), HttpStatusCode.OK);
            var data = page.GetProperty("data").EnumerateArray().ToList();
            if (data.Count == 0)
            {
                return events;
            }
            events.AddRange(data);
            cursor = page.GetProperty("next_cursor").GetString();
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
