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
    public async Task A_batch_replays_with_the_same_body_and_is_422_with_another()
    {
        var key = Guid.NewGuid().ToString();
        var to = new[] { Emails.Unique("idem-batch"), Emails.Unique("idem-batch") };
        var body = new { emails = to.Select(address => Emails.Simple(address)).ToArray() };

        using var first = await _stack.PostJsonAsync("v1/emails/batch", body, key);
        using var replay = await _stack.PostJsonAsync("v1/emails/batch", body, key);
        using var other = await _stack.PostJsonAsync("v1/emails/batch", new { emails = new[] { Emails.Simple(Emails.Unique("other")) } }, key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        foreach (var address in to)
        {
            Assert.Equal(1, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE address = $1", address));
        }
    }

    [Fact]
    public async Task Key_of_a_request_still_running_is_409_and_its_result_is_replayed_after()
    {
        var key = Guid.NewGuid().ToString();
        var body = Emails.Simple(Emails.Unique("running"));
        Task<HttpResponseMessage> first;
        await using (var stall = await StoreStall.BeginAsync(_stack.Database))
        {
            first = _stack.PostJsonAsync("v1/emails", body, key);
            await stall.WaitForBlockedInsertAsync();

            using var concurrent = await _stack.PostJsonAsync("v1/emails", body, key);
            Assert.Equal(HttpStatusCode.Conflict, concurrent.StatusCode);
            Assert.Equal("application/problem+json", concurrent.Content.Headers.ContentType?.MediaType);
        }
        using var completed = await first;
        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);

        using var replay = await _stack.PostJsonAsync("v1/emails", body, key);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await completed.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Request_whose_database_connection_is_killed_before_commit_leaves_the_key_free_for_the_retry()
    {
        var key = Guid.NewGuid().ToString();
        var to = Emails.Unique("killed");
        var body = Emails.Simple(to);
        HttpResponseMessage failed;
        await using (var stall = await StoreStall.BeginAsync(_stack.Database))
        {
            var first = _stack.PostJsonAsync("v1/emails", body, key);
            var backend = await stall.WaitForBlockedInsertAsync();
            // Exactly what a database restart or a network cut does to the request's connection.
            Assert.True(await _stack.Database.ScalarAsync<bool>("SELECT pg_terminate_backend($1)", backend));
            failed = await first;
        }
        using (failed)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.True(failed.Headers.RetryAfter is not null, "a 503 says when to retry");
        }
        Assert.Equal(0, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE address = $1", to));

        // The client retries at once with the same key: processed, not 409.
        using var retry = await _stack.PostJsonAsync("v1/emails", body, key);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        var id = JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await _stack.WaitForStatusAsync(id, "delivered");
        Assert.Equal(1, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE address = $1", to));
        Assert.Single(_stack.Smtp.Messages, m => m.Recipients.Contains(to));
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
