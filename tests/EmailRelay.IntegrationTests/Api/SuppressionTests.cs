using System.Net;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>
/// API.md §Suppressions and §Send: a project's suppressed addresses are never sent to — checked
/// when an email is accepted — while the email's other recipients are; entries are managed per
/// project like the project's other settings.
/// </summary>
[Collection(StandardStackCollection.Name)]
public sealed class SuppressionTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task Suppressed_recipient_is_never_sent_while_the_other_is_delivered_and_its_timeline_says_why()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var ana = Emails.Unique("ana");
        var bob = Emails.Unique("bob", "example.org");

        var created = await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = bob.ToUpperInvariant(), reason = "manual" }, client: client),
            HttpStatusCode.Created);
        Assert.Equal(bob, created.Str("email"));
        Assert.Equal("manual", created.Str("reason"));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("source_event_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("source_email_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("expires_at").ValueKind);
        // Again: already suppressed, so the entry in force, unchanged.
        var again = await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = bob }, client: client), HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("created_at").GetDateTimeOffset(), again.GetProperty("created_at").GetDateTimeOffset());

        var idempotencyKey = Guid.NewGuid().ToString();
        var body = Emails.Simple(ana, $"Bob <{bob}>");
        using var response = await _stack.PostJsonAsync("v1/emails", body, idempotencyKey, client);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = JsonDocument.Parse(text).RootElement;
        Assert.Equal("queued", accepted.Str("status"));
        Assert.Equal([(ana, "queued"), (bob, "suppressed")],
            accepted.GetProperty("recipients").EnumerateArray().Select(r => (r.Str("email"), r.Str("status"))).ToArray());
        var id = accepted.GetProperty("id").GetGuid();

        // The replay of the same request shows the same statuses, byte for byte.
        using (var replay = await _stack.PostJsonAsync("v1/emails", body, idempotencyKey, client))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(text, await replay.Content.ReadAsStringAsync());
        }

        var email = await _stack.WaitForStatusAsync(id, "partially_delivered");
        Assert.Equal("delivered", email.Recipient(ana).Str("status"));
        var suppressed = email.Recipient(bob);
        Assert.Equal("suppressed", suppressed.Str("status"));
        Assert.Equal(0, suppressed.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, suppressed.GetProperty("next_attempt_at").ValueKind);
        var events = email.Events().Where(e => e.Str("recipient") == bob).ToList();
        var only = Assert.Single(events);
        Assert.Equal("suppressed", only.Str("type"));
        Assert.Equal("manual", only.Str("reason"));
        Assert.DoesNotContain((await _stack.GetAttemptsAsync(id)).EnumerateArray(), a => a.Str("recipient") == bob);
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(ana));
        Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Contains(bob, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Email_whose_recipients_are_all_suppressed_is_final_at_once_and_owes_no_delivery()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var (carol, cody) = (Emails.Unique("carol"), Emails.Unique("cody"));
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = carol }, client: client), HttpStatusCode.Created);
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = cody }, client: client), HttpStatusCode.Created);

        var accepted = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(carol.ToUpperInvariant(), cody), client: client),
            HttpStatusCode.Accepted);

        Assert.Equal("suppressed", accepted.Str("status"));
        Assert.All(accepted.GetProperty("recipients").EnumerateArray(), r => Assert.Equal("suppressed", r.Str("status")));
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal("suppressed", await _stack.Database.ScalarAsync<string>("SELECT status FROM message_states WHERE message_id = $1", id));
        // Nothing owed to the outbox: never claimed by a dispatcher, never leased by a sender.
        Assert.Equal(0L, await _stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM message_states WHERE message_id = $1 AND (next_dispatch_at IS NOT NULL OR dispatched_at IS NOT NULL)", id));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var email = await _stack.GetEmailAsync(id);
        Assert.Equal("suppressed", email.Str("status"));
        Assert.Equal(["suppressed", "suppressed"], email.Events().Select(e => e.Str("type")).ToArray());
        Assert.Empty((await _stack.GetAttemptsAsync(id)).EnumerateArray());
        Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Any(r => r.Equals(carol, StringComparison.OrdinalIgnoreCase) || r == cody));
    }

    [Fact]
    public async Task Expired_suppression_no_longer_applies_and_can_be_made_again()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var dave = Emails.Unique("dave");
        var expiresAt = DateTimeOffset.UtcNow.AddHours(1);
        var entry = await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = dave, expires_at = expiresAt }, client: client),
            HttpStatusCode.Created);
        Assert.Equal(expiresAt.ToUnixTimeMilliseconds(), entry.GetProperty("expires_at").GetDateTimeOffset().ToUnixTimeMilliseconds());

        var before = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(dave), client: client), HttpStatusCode.Accepted);
        Assert.Equal("suppressed", before.Str("status"));

        // The hour passes: the entry's expiry is moved a second into the past. A real few-second
        // expiry would race the two requests above on a slow machine.
        Assert.Equal(1, await _stack.Database.ScalarAsync<long>(
            "WITH moved AS (UPDATE suppressions SET expires_at = now() - interval '1 second' WHERE address = $1 RETURNING 1) SELECT count(*) FROM moved", dave));
        Assert.Empty(await ListAsync(client, $"v1/suppressions?email={Uri.EscapeDataString(dave)}"));
        using (var gone = await client.DeleteAsync($"v1/suppressions/{Uri.EscapeDataString(dave)}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        var after = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(dave), client: client), HttpStatusCode.Accepted);
        Assert.Equal("queued", after.Str("status"));
        await _stack.WaitForStatusAsync(after.GetProperty("id").GetGuid(), "delivered");

        // Suppressing the address again makes a new entry.
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = dave }, client: client), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Deleting_lifts_a_suppression_even_an_automatic_one_and_takes_the_address_url_encoded()
    {
        var (project, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var erin = Emails.Unique("erin+news");
        // What Tracking writes for a hard bounce.
        var (eventId, messageId) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        await _stack.Database.ScalarAsync<int>(
            "INSERT INTO suppressions (project_id, address, reason, source_event_id, source_message_id) VALUES ($1, lower($2), 'hard_bounce', $3, $4) RETURNING 1",
            project, erin, eventId, messageId);

        var listed = Assert.Single(await ListAsync(client, $"v1/suppressions?email={Uri.EscapeDataString(erin.ToUpperInvariant())}"));
        Assert.Equal(("hard_bounce", eventId, messageId),
            (listed.Str("reason"), listed.GetProperty("source_event_id").GetGuid(), listed.GetProperty("source_email_id").GetGuid()));
        // A manual POST keeps the automatic entry and its cause.
        var kept = await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = erin }, client: client), HttpStatusCode.OK);
        Assert.Equal("hard_bounce", kept.Str("reason"));
        Assert.Equal("suppressed", (await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(erin), client: client),
            HttpStatusCode.Accepted)).Str("status"));

        // '+' as it is in the path (it is never a space there), upper case: lifted.
        using (var deleted = await client.DeleteAsync($"v1/suppressions/{erin.ToUpperInvariant()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var again = await client.DeleteAsync($"v1/suppressions/{Uri.EscapeDataString(erin)}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
        var accepted = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(erin), client: client), HttpStatusCode.Accepted);
        await _stack.WaitForStatusAsync(accepted.GetProperty("id").GetGuid(), "delivered");

        // %2B and %40, and a '/' (valid in a local part) as %2F.
        var frank = Emails.Unique("frank/ops+x");
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = frank }, client: client), HttpStatusCode.Created);
        using (var deleted = await client.DeleteAsync($"v1/suppressions/{Uri.EscapeDataString(frank)}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var notAnAddress = await client.DeleteAsync("v1/suppressions/not-an-address"))
        {
            Assert.Equal(HttpStatusCode.NotFound, notAnAddress.StatusCode);
        }
    }

    [Fact]
    public async Task A_project_neither_sees_nor_changes_another_projects_suppressions_nor_is_affected_by_them()
    {
        var (projectA, keyA) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        var (_, keyB) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var clientA = _stack.ClientWithKey(keyA);
        using var clientB = _stack.ClientWithKey(keyB);
        var grace = Emails.Unique("grace");
        var path = $"v1/suppressions/{Uri.EscapeDataString(grace)}";
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = grace }, client: clientA), HttpStatusCode.Created);

        Assert.Single(await ListAsync(clientA, $"v1/suppressions?email={Uri.EscapeDataString(grace)}"));
        Assert.Empty(await ListAsync(clientB, $"v1/suppressions?email={Uri.EscapeDataString(grace)}"));
        Assert.DoesNotContain(await ListAsync(clientB, "v1/suppressions?limit=100"), s => s.Str("email") == grace);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.DeleteAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await clientB.DeleteAsync($"{path}?project_id={projectA}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await clientB.GetAsync($"v1/suppressions?project_id={projectA}")).StatusCode);
        using (var named = await _stack.PostJsonAsync($"v1/suppressions?project_id={projectA}", new { email = grace }, client: clientB))
        {
            Assert.Equal(HttpStatusCode.BadRequest, named.StatusCode);
        }

        // B sends to the address A suppressed: delivered. A's send: suppressed.
        var fromB = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(grace), client: clientB), HttpStatusCode.Accepted);
        Assert.Equal("queued", fromB.Str("status"));
        await _stack.WaitForStatusAsync(fromB.GetProperty("id").GetGuid(), "delivered");
        var fromA = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(grace), client: clientA), HttpStatusCode.Accepted);
        Assert.Equal("suppressed", fromA.Str("status"));

        // The operator sees it among every project's, narrows to A, and must name A to lift it.
        var everyProject = await ListAsync(_stack.Api, $"v1/suppressions?email={Uri.EscapeDataString(grace)}");
        Assert.Equal(projectA, Assert.Single(everyProject).GetProperty("project_id").GetGuid());
        Assert.Single(await ListAsync(_stack.Api, $"v1/suppressions?email={Uri.EscapeDataString(grace)}&project_id={projectA}"));
        Assert.Equal(HttpStatusCode.NotFound, (await _stack.Api.DeleteAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _stack.Api.DeleteAsync($"{path}?project_id={projectA}")).StatusCode);
        Assert.Empty(await ListAsync(clientA, $"v1/suppressions?email={Uri.EscapeDataString(grace)}"));
    }

    [Fact]
    public async Task Reading_needs_emails_read_and_changing_needs_settings()
    {
        var (_, reader) = await ProjectWithKeyAsync("emails:read");
        var (_, sender) = await ProjectWithKeyAsync("emails:send");
        using var readOnly = _stack.ClientWithKey(reader);
        using var sendOnly = _stack.ClientWithKey(sender);

        Assert.Equal(HttpStatusCode.OK, (await readOnly.GetAsync("v1/suppressions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sendOnly.GetAsync("v1/suppressions")).StatusCode);
        using var post = await _stack.PostJsonAsync("v1/suppressions", new { email = Emails.Unique("hank") }, client: readOnly);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.DeleteAsync("v1/suppressions/hank@example.net")).StatusCode);
    }

    [Fact]
    public async Task A_batch_with_a_suppressed_recipient_sends_the_rest_and_reports_each_email()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var (ivy, jack, kim) = (Emails.Unique("ivy"), Emails.Unique("jack"), Emails.Unique("kim"));
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = ivy }, client: client), HttpStatusCode.Created);
        var batch = new
        {
            emails = new object[] { Emails.Simple(ivy, jack), Emails.Simple(ivy), new Dictionary<string, object?> { ["to"] = new[] { kim } }, Emails.Simple(kim) },
        };

        var idempotencyKey = Guid.NewGuid().ToString();
        using var response = await _stack.PostJsonAsync("v1/emails/batch", batch, idempotencyKey, client);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["queued", "suppressed", "(error)", "queued"],
            items.Select(i => i.TryGetProperty("status", out var s) ? s.GetString()! : "(error)").ToArray());
        Assert.True(items[2].TryGetProperty("error", out _));
        using (var replay = await _stack.PostJsonAsync("v1/emails/batch", batch, idempotencyKey, client))
        {
            Assert.Equal(text, await replay.Content.ReadAsStringAsync());
        }

        var mixed = await _stack.WaitForStatusAsync(items[0].GetProperty("id").GetGuid(), "partially_delivered");
        Assert.Equal("suppressed", mixed.Recipient(ivy).Str("status"));
        Assert.Equal("delivered", mixed.Recipient(jack).Str("status"));
        await _stack.WaitForStatusAsync(items[3].GetProperty("id").GetGuid(), "delivered");
        Assert.Equal("suppressed", (await _stack.GetEmailAsync(items[1].GetProperty("id").GetGuid())).Str("status"));
        Assert.DoesNotContain(_stack.Smtp.Messages, m => m.Recipients.Contains(ivy));
    }

    [Fact]
    public async Task Concurrent_sends_of_two_projects_stored_together_keep_each_projects_suppressions_and_ownership_apart()
    {
        // Concurrent accepts without an Idempotency-Key share statements (group commit): the
        // suppression lookup, the project and the key of every stored row must stay each request's own.
        var (projectA, keyA) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        var (projectB, keyB) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var clientA = _stack.ClientWithKey(keyA);
        using var clientB = _stack.ClientWithKey(keyB);
        var lena = Emails.Unique("lena");
        await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = lena }, client: clientA), HttpStatusCode.Created);

        var sends = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var (project, client) = i % 2 == 0 ? (projectA, clientA) : (projectB, clientB);
            var accepted = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Emails.Simple(lena), client: client), HttpStatusCode.Accepted);
            return (Project: project, Id: accepted.GetProperty("id").GetGuid(), Status: accepted.Str("status"));
        }));

        Assert.All(sends, s => Assert.Equal(s.Project == projectA ? "suppressed" : "queued", s.Status));
        foreach (var send in sends)
        {
            Assert.Equal(send.Project, await _stack.Database.ScalarAsync<Guid>("SELECT project_id FROM messages WHERE id = $1", send.Id));
            Assert.Equal(send.Project, await _stack.Database.ScalarAsync<Guid>(
                "SELECT k.project_id FROM messages m JOIN api_keys k ON k.id = m.api_key_id WHERE m.id = $1", send.Id));
            Assert.Equal(send.Project, await _stack.Database.ScalarAsync<Guid>("SELECT DISTINCT project_id FROM events WHERE message_id = $1", send.Id));
        }
        foreach (var send in sends.Where(s => s.Project == projectB))
        {
            await _stack.WaitForStatusAsync(send.Id, "delivered");
        }
        Assert.Equal(20, _stack.Smtp.Messages.Count(m => m.Recipients.Contains(lena)));
    }

    [Fact]
    public async Task The_list_pages_newest_first_and_filters_by_email_and_reason()
    {
        var (project, key) = await ProjectWithKeyAsync("emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var addresses = new[] { Emails.Unique("list-1"), Emails.Unique("list-2"), Emails.Unique("list-3") };
        foreach (var address in addresses)
        {
            await ReadAsync(await _stack.PostJsonAsync("v1/suppressions", new { email = address }, client: client), HttpStatusCode.Created);
        }
        await _stack.Database.ScalarAsync<int>(
            "INSERT INTO suppressions (project_id, address, reason) VALUES ($1, $2, 'complaint') RETURNING 1", project, Emails.Unique("complained"));

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ReadAsync(await client.GetAsync("v1/suppressions?reason=manual&limit=2" + (cursor is null ? "" : $"&cursor={cursor}")),
                HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(s => s.Str("email")));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(addresses.Reverse(), seen);
        Assert.Equal(2, pages);
        Assert.Equal("complaint", Assert.Single(await ListAsync(client, "v1/suppressions?reason=complaint")).Str("reason"));
        Assert.Equal(4, (await ListAsync(client, "v1/suppressions")).Count);

        foreach (var bad in new[] { "reason=hard-bounce", "email=not-an-address", "cursor=nope", "limit=0" })
        {
            using var refused = await client.GetAsync($"v1/suppressions?{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(bad.Split('=')[0], out _), $"{bad}: {errors}");
        }
    }

    [Theory]
    [InlineData("{\"email\": \"x@example.net\", \"reason\": \"hard_bounce\"}", "reason")]
    [InlineData("{\"email\": \"x@example.net\", \"reason\": \"spam\"}", "reason")]
    [InlineData("{\"email\": \"x@example.net\", \"expires_at\": \"2020-01-01T00:00:00Z\"}", "expires_at")]
    [InlineData("{\"email\": \"X <x@example.net>\"}", "email")]
    [InlineData("{\"reason\": \"manual\"}", "email")]
    [InlineData("{\"email\": \"x@example.net\", \"note\": \"?\"}", "note")]
    public async Task A_suppression_that_cannot_be_made_is_a_400_naming_the_field(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _stack.Api.PostAsync("v1/suppressions", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    private async Task<(Guid Project, string Key)> ProjectWithKeyAsync(params string[] scopes)
    {
        var project = await ReadAsync(await _stack.PostJsonAsync("v1/projects", new { name = "s-" + Guid.NewGuid().ToString("N")[..10] }),
            HttpStatusCode.Created);
        var id = project.GetProperty("id").GetGuid();
        var key = await ReadAsync(await _stack.PostJsonAsync("v1/api-keys", new { name = "key", scopes, project_id = id }), HttpStatusCode.Created);
        return (id, key.Str("key"));
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string path) =>
        (await ReadAsync(await client.GetAsync(path), HttpStatusCode.OK)).GetProperty("data").EnumerateArray().ToList();

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
