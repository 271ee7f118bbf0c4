using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EmailRelay.Data.Domains;
using EmailRelay.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>
/// API.md §Sending domains against a real DNS server: the records the API asks for, published in
/// dnsmasq, verify the domain; what is missing keeps it pending and says so per record; DKIM keys
/// rotate by selector with both valid during the switch; and with Senders__RequireVerifiedDomain a
/// from at a domain the project has not verified is refused at accept.
/// </summary>
public sealed class DomainTests(DomainStack fixture) : IClassFixture<DomainStack>
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task Published_records_verify_the_domain_and_its_senders_are_accepted_from_then_on()
    {
        var (project, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var name = UniqueDomain("acme");

        using var createResponse = await _stack.PostJsonAsync("v1/domains", new { name = name.ToUpperInvariant() + "." }, client: client);
        var created = await ReadAsync(createResponse, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal($"/v1/domains/{id}", createResponse.Headers.Location?.OriginalString);
        Assert.Equal(name, created.Str("name"));
        Assert.Equal("pending", created.Str("status"));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("last_check").ValueKind);
        var records = created.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(["verification", "dkim", "spf", "return_path"], records.Select(r => r.Str("purpose")));
        var verification = records[0];
        Assert.Equal(("TXT", $"_emailrelay.{name}"), (verification.Str("type"), verification.Str("name")));
        Assert.Matches("^emailrelay-verification=[a-z2-7]{32}$", verification.Str("value"));
        var dkim = records[1];
        var selector = Assert.Single(created.GetProperty("dkim_keys").EnumerateArray()).Str("selector");
        Assert.Matches($"^er{DateTime.UtcNow:yyyyMM}[a-z2-7]{{4}}$", selector);
        Assert.Equal(("TXT", $"{selector}._domainkey.{name}"), (dkim.Str("type"), dkim.Str("name")));
        Assert.StartsWith("v=DKIM1; k=rsa; p=", dkim.Str("value"));
        Assert.Equal(("TXT", name, "v=spf1 a mx ~all"), (records[2].Str("type"), records[2].Str("name"), records[2].Str("value")));
        Assert.Equal(("MX", RelayStack.BounceDomain, $"10 {DomainStack.BounceMxHost}"),
            (records[3].Str("type"), records[3].Str("name"), records[3].Str("value")));

        // The stored private key is sealed under the master key for this domain, and is the half of the published key.
        var publicKey = dkim.Str("value")["v=DKIM1; k=rsa; p=".Length..];
        var sealedKey = await _stack.Database.ScalarAsync<byte[]>("SELECT private_key FROM dkim_keys WHERE domain_id = $1", id);
        var protector = new DkimKeyProtector(Options.Create(new DkimOptions { MasterKey = RelayStack.DkimMasterKey }));
        using (var rsa = RSA.Create())
        {
            rsa.ImportPkcs8PrivateKey(protector.Open(sealedKey!, id), out _);
            Assert.Equal(2048, rsa.KeySize);
            Assert.Equal(publicKey, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        }
        Assert.ThrowsAny<CryptographicException>(() => protector.Open(sealedKey!, Guid.NewGuid()));

        // Not verified yet: refused at accept, alone and in a batch, naming from.
        var refused = await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"Ana <ana@{name}>"), client: client),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains(name, refused.GetProperty("errors").GetProperty("from")[0].GetString());
        var batch = await ReadAsync(await _stack.PostJsonAsync("v1/emails/batch", new { emails = new[] { Email($"ana@{name}") } }, client: client),
            HttpStatusCode.OK);
        var item = Assert.Single(batch.GetProperty("data").EnumerateArray());
        Assert.Equal(422, item.GetProperty("error").GetProperty("status").GetInt32());
        Assert.True(item.GetProperty("error").GetProperty("errors").TryGetProperty("from", out _), item.ToString());
        Assert.Equal(0L, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages WHERE project_id = $1", project));

        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), created));
        var verified = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);

        Assert.True(verified.Str("status") == "verified", $"{verified}\n{fixture.DnsLog}");
        Assert.NotEqual(JsonValueKind.Null, verified.GetProperty("verified_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, verified.GetProperty("last_checked_at").ValueKind);
        var checks = verified.GetProperty("last_check").EnumerateArray().ToList();
        Assert.Equal([("verification", true, "found"), ("dkim", true, "found"), ("spf", false, "found"), ("return_path", false, "found")],
            checks.Select(c => (c.Str("purpose"), c.GetProperty("required").GetBoolean(), c.Str("result"))));
        var active = Assert.Single(verified.GetProperty("dkim_keys").EnumerateArray());
        Assert.Equal((selector, "active"), (active.Str("selector"), active.Str("state")));

        // Verified: accepted, in any letter case, alone and in a batch; GET shows what verify showed.
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"Ana <ana@{name.ToUpperInvariant()}>"), client: client), HttpStatusCode.Accepted);
        batch = await ReadAsync(await _stack.PostJsonAsync("v1/emails/batch", new { emails = new[] { Email($"bob@{name}") } }, client: client),
            HttpStatusCode.OK);
        Assert.Equal("queued", Assert.Single(batch.GetProperty("data").EnumerateArray()).Str("status"));
        var fetched = await ReadAsync(await client.GetAsync($"v1/domains/{id}"), HttpStatusCode.OK);
        Assert.Equal(verified.GetProperty("last_check").ToString(), fetched.GetProperty("last_check").ToString());
        Assert.Equal("verified", fetched.Str("status"));

        // A subdomain is a domain of its own.
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@news.{name}"), client: client), HttpStatusCode.UnprocessableEntity);

        // Deleted: gone, and its senders refused again at once.
        using (var deleted = await client.DeleteAsync($"v1/domains/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        await ReadAsync(await client.GetAsync($"v1/domains/{id}"), HttpStatusCode.NotFound);
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@{name}"), client: client), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(0L, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM dkim_keys WHERE domain_id = $1", id));
    }

    [Fact]
    public async Task A_missing_dkim_record_keeps_the_domain_pending_and_each_record_says_what_was_found()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var name = UniqueDomain("partial");
        var created = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name }, client: client), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();

        // The verification record only, and an SPF record that does not name the relay.
        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), created, r => r.Str("purpose") == "verification").Txt(name, "v=spf1 -all"));
        var checkedOnce = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);

        Assert.Equal("pending", checkedOnce.Str("status"));
        Assert.Equal(JsonValueKind.Null, checkedOnce.GetProperty("verified_at").ValueKind);
        var results = Results(checkedOnce);
        Assert.Equal("found", results["verification"].Str("result"));
        Assert.Equal("not_found", results["dkim"].Str("result"));
        Assert.Contains("NXDOMAIN", results["dkim"].Str("detail"));
        Assert.Equal("wrong_value", results["spf"].Str("result"));
        Assert.Contains("a mx", results["spf"].Str("detail"));
        Assert.Equal("not_found", results["return_path"].Str("result"));
        Assert.Equal("pending", Assert.Single(checkedOnce.GetProperty("dkim_keys").EnumerateArray()).Str("state"));
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@{name}"), client: client), HttpStatusCode.UnprocessableEntity);

        // A DKIM record with another key is no better: the wrong value is named.
        var dkimName = created.GetProperty("records").EnumerateArray().Single(r => r.Str("purpose") == "dkim").Str("name");
        using var other = RSA.Create(2048);
        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), created, r => r.Str("purpose") == "verification")
            .Txt(dkimName, "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(other.ExportSubjectPublicKeyInfo())));
        var checkedTwice = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);
        Assert.Equal("pending", checkedTwice.Str("status"));
        Assert.Equal("wrong_value", Results(checkedTwice)["dkim"].Str("result"));
        Assert.Equal("not_found", Results(checkedTwice)["spf"].Str("result"));

        // Everything required, the advice still missing: verified all the same.
        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), created, r => r.Str("purpose") is "verification" or "dkim"));
        var complete = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);
        Assert.Equal("verified", complete.Str("status"));
        Assert.Equal("not_found", Results(complete)["spf"].Str("result"));

        // The records taken away again: a later check finds them missing and the domain is pending again.
        await fixture.PublishAsync(new DnsZone());
        var withdrawn = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);
        Assert.Equal("pending", withdrawn.Str("status"));
        Assert.Equal(complete.GetProperty("verified_at").GetDateTimeOffset(), withdrawn.GetProperty("verified_at").GetDateTimeOffset());
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@{name}"), client: client), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Rotation_lists_both_selectors_activates_the_new_key_once_found_and_retires_the_old_one_later()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var name = UniqueDomain("rotate");
        var created = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name }, client: client), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), created));
        var first = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);
        Assert.Equal("verified", first.Str("status"));
        var oldSelector = Assert.Single(first.GetProperty("dkim_keys").EnumerateArray()).Str("selector");

        var rotated = await ReadAsync(await client.PostAsync($"v1/domains/{id}/dkim/rotate", null), HttpStatusCode.OK);
        var keys = Keys(rotated);
        Assert.Equal(2, keys.Count);
        Assert.Equal("active", keys[oldSelector].Str("state"));
        var newSelector = keys.Keys.Single(s => s != oldSelector);
        Assert.Equal("pending", keys[newSelector].Str("state"));
        Assert.Equal([$"{oldSelector}._domainkey.{name}", $"{newSelector}._domainkey.{name}"], DkimRecordNames(rotated));
        // One rotation at a time.
        await ReadAsync(await client.PostAsync($"v1/domains/{id}/dkim/rotate", null), HttpStatusCode.Conflict);

        // The new record not published yet: the old key goes on signing, the domain stays verified.
        var notYet = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);
        Assert.Equal("verified", notYet.Str("status"));
        Assert.Equal(("active", "pending"), (Keys(notYet)[oldSelector].Str("state"), Keys(notYet)[newSelector].Str("state")));
        var pendingCheck = notYet.GetProperty("last_check").EnumerateArray().Single(c => c.Str("name").StartsWith(newSelector + ".", StringComparison.Ordinal));
        Assert.Equal(("not_found", false), (pendingCheck.Str("result"), pendingCheck.GetProperty("required").GetBoolean()));

        // Both published: the new key signs, the old one retires but stays listed, so both are valid during the switch.
        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), rotated));
        var switched = await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK);
        var checkedAt = switched.GetProperty("last_checked_at").GetDateTimeOffset();
        Assert.Equal("verified", switched.Str("status"));
        keys = Keys(switched);
        Assert.Equal("active", keys[newSelector].Str("state"));
        Assert.Equal("retiring", keys[oldSelector].Str("state"));
        var retireAfter = keys[oldSelector].GetProperty("retire_after").GetDateTimeOffset();
        Assert.Equal(checkedAt + DomainStack.RetireAfter, retireAfter);
        Assert.Equal([$"{newSelector}._domainkey.{name}", $"{oldSelector}._domainkey.{name}"], DkimRecordNames(switched));
        Assert.Equal("active", await _stack.Database.ScalarAsync<string>("SELECT state FROM dkim_keys WHERE domain_id = $1 AND selector = $2", id, newSelector));

        // Past retire_after the old key is retired: no longer listed, kept in the table (its selector is never reused).
        JsonElement later;
        var deadline = DateTime.UtcNow + DomainStack.RetireAfter + TimeSpan.FromSeconds(30);
        do
        {
            await Task.Delay(500);
            later = await ReadAsync(await client.GetAsync($"v1/domains/{id}"), HttpStatusCode.OK);
        }
        while (Keys(later).ContainsKey(oldSelector) && DateTime.UtcNow < deadline);
        Assert.True(DateTimeOffset.UtcNow >= retireAfter, "the old key left the list before its retire_after");
        Assert.Equal([newSelector], Keys(later).Keys);
        Assert.Equal([$"{newSelector}._domainkey.{name}"], DkimRecordNames(later));
        Assert.Equal("retired", await _stack.Database.ScalarAsync<string>("SELECT state FROM dkim_keys WHERE domain_id = $1 AND selector = $2", id, oldSelector));
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@{name}"), client: client), HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_project_sees_and_verifies_only_its_own_domains_and_sends_only_from_those()
    {
        var (projectA, keyA) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        var (projectB, keyB) = await ProjectWithKeyAsync("emails:send", "emails:read", "settings");
        using var a = _stack.ClientWithKey(keyA);
        using var b = _stack.ClientWithKey(keyB);
        var name = UniqueDomain("shared");
        var ofA = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name }, client: a), HttpStatusCode.Created);
        var id = ofA.GetProperty("id").GetGuid();
        Assert.Equal(projectA, ofA.GetProperty("project_id").GetGuid());

        await ReadAsync(await b.GetAsync($"v1/domains/{id}"), HttpStatusCode.NotFound);
        await ReadAsync(await b.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.NotFound);
        await ReadAsync(await b.PostAsync($"v1/domains/{id}/dkim/rotate", null), HttpStatusCode.NotFound);
        using (var deleteByB = await b.DeleteAsync($"v1/domains/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, deleteByB.StatusCode);
        }
        await ReadAsync(await b.GetAsync($"v1/domains?project_id={projectA}"), HttpStatusCode.BadRequest);
        await ReadAsync(await _stack.PostJsonAsync($"v1/domains?project_id={projectA}", new { name = UniqueDomain("sneaky") }, client: b),
            HttpStatusCode.BadRequest);

        // B adds the same domain: its own entry with its own token.
        var ofB = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name }, client: b), HttpStatusCode.Created);
        Assert.NotEqual(id, ofB.GetProperty("id").GetGuid());
        Assert.NotEqual(VerificationValue(ofA), VerificationValue(ofB));
        Assert.Equal([ofB.GetProperty("id").GetGuid()], (await ListAsync(b, "v1/domains")).Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal([id], (await ListAsync(a, "v1/domains")).Select(d => d.GetProperty("id").GetGuid()));

        // Only A's records published: A is verified, B is not, and B may not send from the domain.
        await fixture.PublishAsync(DomainStack.Add(new DnsZone(), ofA));
        Assert.Equal("verified", (await ReadAsync(await a.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.OK)).Str("status"));
        var checkedB = await ReadAsync(await b.PostAsync($"v1/domains/{ofB.GetProperty("id").GetGuid()}/verify", null), HttpStatusCode.OK);
        Assert.Equal("pending", checkedB.Str("status"));
        Assert.Equal("wrong_value", Results(checkedB)["verification"].Str("result"));
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@{name}"), client: a), HttpStatusCode.Accepted);
        await ReadAsync(await _stack.PostJsonAsync("v1/emails", Email($"ana@{name}"), client: b), HttpStatusCode.UnprocessableEntity);

        // The operator sees both, or one project's with ?project_id=.
        var all = (await ListAsync(_stack.Api, "v1/domains?limit=100")).Select(d => d.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(id, all);
        Assert.Contains(ofB.GetProperty("id").GetGuid(), all);
        Assert.Equal([ofB.GetProperty("id").GetGuid()], (await ListAsync(_stack.Api, $"v1/domains?project_id={projectB}")).Select(d => d.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Lists_are_keyset_paginated_in_creation_order()
    {
        var (_, key) = await ProjectWithKeyAsync("emails:read", "settings");
        using var client = _stack.ClientWithKey(key);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = UniqueDomain($"page{i}") }, client: client), HttpStatusCode.Created))
                .GetProperty("id").GetGuid());
        }
        var first = await ReadAsync(await client.GetAsync("v1/domains?limit=2"), HttpStatusCode.OK);
        Assert.Equal(ids[..2], first.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        var cursor = first.Str("next_cursor");
        var second = await ReadAsync(await client.GetAsync($"v1/domains?limit=2&cursor={cursor}"), HttpStatusCode.OK);
        Assert.Equal(ids[2..], second.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
        await ReadAsync(await client.GetAsync("v1/domains?cursor=nonsense"), HttpStatusCode.BadRequest);
        await ReadAsync(await client.GetAsync("v1/domains?limit=0"), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData("localhost", "two labels")]
    [InlineData("192.0.2.1", "IP address")]
    [InlineData("[192.0.2.1]", "IP address")]
    [InlineData("2001:db8::1", "IP address")]
    [InlineData("exa mple.test", "spaces")]
    [InlineData("acme..test", "")]
    [InlineData("-acme.test", "")]
    [InlineData("acme-.test", "")]
    [InlineData("ac_me.test", "")]
    [InlineData("acme.test\u0000", "control")]
    [InlineData("acme.123", "digits")]
    public async Task A_name_that_is_no_domain_is_refused_with_422_naming_name_and_nothing_is_stored(string name, string message)
    {
        var (project, key) = await ProjectWithKeyAsync("emails:read", "settings");
        using var client = _stack.ClientWithKey(key);

        var problem = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name }, client: client), HttpStatusCode.UnprocessableEntity);

        Assert.Contains(message, problem.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM sending_domains WHERE project_id = $1", project));
    }

    [Fact]
    public async Task Hostile_and_odd_requests_get_the_problem_they_deserve()
    {
        var (project, key) = await ProjectWithKeyAsync("emails:read", "settings");
        using var client = _stack.ClientWithKey(key);

        // Too long, in labels and in all.
        await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = new string('a', 64) + ".test" }, client: client), HttpStatusCode.UnprocessableEntity);
        var tooLong = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".test";
        await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = tooLong }, client: client), HttpStatusCode.UnprocessableEntity);
        // The wrong JSON type, no name, an unknown member, not JSON.
        await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = 42 }, client: client), HttpStatusCode.BadRequest);
        await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { }, client: client), HttpStatusCode.UnprocessableEntity);
        await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = "x.test", dkim_private_key = "mine" }, client: client), HttpStatusCode.BadRequest);
        using (var text = await client.PostAsync("v1/domains", new StringContent("acme.test", Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        }

        // An internationalised name is stored as its A-label; the same name in another form is a duplicate.
        var label = Guid.NewGuid().ToString("N")[..6];
        var idn = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = $"Bücher-{label}.TEST" }, client: client), HttpStatusCode.Created);
        var ascii = idn.Str("name");
        Assert.StartsWith("xn--bcher-", ascii);
        Assert.EndsWith(".test", ascii);
        Assert.Equal($"bücher-{label}.test", new System.Globalization.IdnMapping().GetUnicode(ascii));
        var duplicate = await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = $"BÜCHER-{label}.test." }, client: client), HttpStatusCode.Conflict);
        Assert.Contains(ascii, duplicate.Str("detail"));
        await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = ascii }, client: client), HttpStatusCode.Conflict);
        Assert.Equal(1L, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM sending_domains WHERE project_id = $1", project));

        // Ids that name nothing.
        foreach (var id in new[] { "not-a-guid", Guid.NewGuid().ToString(), Guid.Empty.ToString(), "%C3%BC" })
        {
            await ReadAsync(await client.GetAsync($"v1/domains/{id}"), HttpStatusCode.NotFound);
            await ReadAsync(await client.PostAsync($"v1/domains/{id}/verify", null), HttpStatusCode.NotFound);
            await ReadAsync(await client.PostAsync($"v1/domains/{id}/dkim/rotate", null), HttpStatusCode.NotFound);
            using var deleted = await client.DeleteAsync($"v1/domains/{id}");
            Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        }
    }

    [Fact]
    public async Task Reading_needs_emails_read_and_every_change_needs_settings()
    {
        var (_, settingsKey) = await ProjectWithKeyAsync("settings");
        using var settings = _stack.ClientWithKey(settingsKey);
        var id = (await ReadAsync(await _stack.PostJsonAsync("v1/domains", new { name = UniqueDomain("scopes") }, client: settings), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        // A key of the same project without the scopes: read the project of the first key from the domain.
        var projectId = await _stack.Database.ScalarAsync<Guid>("SELECT project_id FROM sending_domains WHERE id = $1", id);
        using var sendOnly = _stack.ClientWithKey(await KeyAsync(projectId, "emails:send"));
        using var readOnly = _stack.ClientWithKey(await KeyAsync(projectId, "emails:read"));

        Assert.Equal(HttpStatusCode.Forbidden, (await sendOnly.GetAsync("v1/domains")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sendOnly.GetAsync($"v1/domains/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await settings.GetAsync($"v1/domains/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await readOnly.GetAsync($"v1/domains/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await readOnly.GetAsync("v1/domains")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _stack.PostJsonAsync("v1/domains", new { name = UniqueDomain("nope") }, client: readOnly)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.PostAsync($"v1/domains/{id}/verify", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.PostAsync($"v1/domains/{id}/dkim/rotate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.DeleteAsync($"v1/domains/{id}")).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = _stack.Api.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("v1/domains")).StatusCode);
        Assert.Equal(1L, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM dkim_keys WHERE domain_id = $1", id));
    }

    [Fact]
    public async Task Without_a_master_key_no_domain_can_be_added_and_nothing_is_stored()
    {
        await using var stack = await RelayStack.StartAsync("domains-no-key", new Dictionary<string, string>
        {
            ["Dkim__MasterKey"] = "",
            ["Senders__RequireVerifiedDomain"] = "true",
        });

        using var response = await stack.PostJsonAsync("v1/domains", new { name = UniqueDomain("nokey") });
        var problem = await ReadAsync(response, HttpStatusCode.ServiceUnavailable);

        Assert.Contains("Dkim__MasterKey", problem.Str("detail"));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0L, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM sending_domains"));
        Assert.Equal(0L, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM dkim_keys"));
        Assert.Empty((await ReadAsync(await stack.Api.GetAsync("v1/domains"), HttpStatusCode.OK)).GetProperty("data").EnumerateArray());
        // Bad input is still the client's to fix first.
        await ReadAsync(await stack.PostJsonAsync("v1/domains", new { name = "localhost" }), HttpStatusCode.UnprocessableEntity);
        // Sending is unaffected by the missing key: the rule is about domains, and none is verified.
        await ReadAsync(await stack.PostJsonAsync("v1/emails", Email("ana@acme.test")), HttpStatusCode.UnprocessableEntity);
    }

    private static string UniqueDomain(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}.test";

    private static Dictionary<string, object?> Email(string from)
    {
        var email = Emails.Simple(Emails.Unique("rcpt"));
        email["from"] = from;
        return email;
    }

    private static Dictionary<string, JsonElement> Results(JsonElement domain) =>
        domain.GetProperty("last_check").EnumerateArray().ToDictionary(c => c.Str("purpose"));

    private static Dictionary<string, JsonElement> Keys(JsonElement domain) =>
        domain.GetProperty("dkim_keys").EnumerateArray().ToDictionary(k => k.Str("selector"));

    private static List<string> DkimRecordNames(JsonElement domain) =>
        domain.GetProperty("records").EnumerateArray().Where(r => r.Str("purpose") == "dkim").Select(r => r.Str("name")).ToList();

    private static string VerificationValue(JsonElement domain) =>
        domain.GetProperty("records").EnumerateArray().Single(r => r.Str("purpose") == "verification").Str("value");

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string path) =>
        (await ReadAsync(await client.GetAsync(path), HttpStatusCode.OK)).GetProperty("data").EnumerateArray().ToList();

    private async Task<(Guid Project, string Key)> ProjectWithKeyAsync(params string[] scopes)
    {
        var project = await ReadAsync(await _stack.PostJsonAsync("v1/projects", new { name = "d-" + Guid.NewGuid().ToString("N")[..10] }),
            HttpStatusCode.Created);
        var id = project.GetProperty("id").GetGuid();
        return (id, await KeyAsync(id, scopes));
    }

    private async Task<string> KeyAsync(Guid project, params string[] scopes) =>
        (await ReadAsync(await _stack.PostJsonAsync("v1/api-keys", new { name = "key", scopes, project_id = project }), HttpStatusCode.Created)).Str("key");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
