using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using EmailRelay.IntegrationTests.Api.Hostile;
using EmailRelay.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>
/// Thousands of generated malformed and hostile requests against a real API process: none may be
/// answered with a 5xx, and the database may hold exactly what the 2xx answers account for.
/// Seeded: HOSTILE_SEED replays a run (the seed is printed), HOSTILE_COUNT changes its length.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int DefaultCount = 2400;
    private const int DefaultSeed = 20261129;

    // No sender: nothing is delivered, so every row an accepted email adds is known in advance.
    private RelayStack _stack = null!;

    public async Task InitializeAsync() => _stack = await RelayStack.StartAsync("hostile", senders: 0);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Generated_hostile_requests_never_get_a_5xx_and_refused_ones_store_nothing()
    {
        var seed = EnvironmentInt("HOSTILE_SEED", DefaultSeed);
        var count = EnvironmentInt("HOSTILE_COUNT", DefaultCount);
        output.WriteLine($"seed {seed}, {count} requests (HOSTILE_SEED={seed} replays this run)");

        var before = await SnapshotAsync();
        var ledger = new Ledger();
        using var client = CreateClient();
        var clock = Stopwatch.StartNew();
        var stalled = new List<(HostileRequest Request, Task<(int? Status, string Body, bool Replayed)> Answer)>();
        foreach (var request in new HostileRequestGenerator(seed).Generate(count))
        {
            if (request.Raw is { Stalls: true })
            {
                stalled.Add((request, SendRawAsync(request)));
                continue;
            }
            var (status, body, replayed) = request.Raw is null
                ? await SendAsync(client, request)
                : await SendRawAsync(request);
            ledger.Record(request, status, body, replayed);
        }
        foreach (var (request, answer) in stalled)
        {
            var (status, body, replayed) = await answer;
            ledger.Record(request, status, body, replayed);
        }
        clock.Stop();

        var after = await SnapshotAsync();
        var report = ledger.Report(seed, clock.Elapsed);
        output.WriteLine(report);
        Directory.CreateDirectory(TestSettings.ResultsDirectory);
        await File.WriteAllTextAsync(Path.Combine(TestSettings.ResultsDirectory, "hostile-input.report"), report);

        Assert.Equal(count, ledger.Sent);
        Assert.True(ledger.ServerErrors.Count == 0,
            $"{ledger.ServerErrors.Count} requests got a 5xx:\n{string.Join("\n", ledger.ServerErrors.Take(25))}");
        Assert.True(ledger.Unanswered.Count == 0,
            $"{ledger.Unanswered.Count} requests got no answer:\n{string.Join("\n", ledger.Unanswered.Take(25))}");
        Assert.True(ledger.WrongStatus.Count == 0,
            $"{ledger.WrongStatus.Count} requests got another status than the one expected:\n{string.Join("\n", ledger.WrongStatus.Take(25))}");
        AssertStoredExactlyWhatWasAccepted(before, after, ledger);
    }

    /// <summary>
    /// Every accepted id is stored with its content, its recipients and one first event each;
    /// nothing else was added to any table a request can write.
    /// </summary>
    private void AssertStoredExactlyWhatWasAccepted(Snapshot before, Snapshot after, Ledger ledger)
    {
        Assert.True(ledger.Accepted.Count > 50, $"only {ledger.Accepted.Count} emails were accepted: the generator no longer interleaves valid requests");
        var newMessages = after.Messages.Except(before.Messages).ToHashSet();
        Assert.Equal(ledger.Accepted.Keys.Order(), newMessages.Order());
        Assert.Equal(ledger.Accepted.Keys.Order(), after.Contents.Except(before.Contents).Order());

        var newRecipients = after.Recipients.Where(r => !before.Recipients.ContainsKey(r.Key)).ToDictionary();
        var newEvents = after.Events.Where(e => !before.Events.ContainsKey(e.Key)).ToDictionary();
        Assert.Equal(ledger.Accepted.Keys.Order(), newRecipients.Keys.Order());
        Assert.Equal(ledger.Accepted.Keys.Order(), newEvents.Keys.Order());
        foreach (var (id, recipients) in ledger.Accepted)
        {
            Assert.True(newRecipients[id] >= 1, $"email {id} has no recipients");
            Assert.True(newEvents[id] == newRecipients[id], $"email {id}: {newEvents[id]} events for {newRecipients[id]} recipients");
            if (recipients is { } expected)
            {
                Assert.True(expected == newRecipients[id], $"email {id}: the 202 listed {expected} recipients, {newRecipients[id]} stored");
            }
        }

        Assert.Equal(ledger.AcceptedIdempotencyKeys.Order(StringComparer.Ordinal),
            after.IdempotencyKeys.Except(before.IdempotencyKeys).Order(StringComparer.Ordinal));
        Assert.Equal(0, after.PendingIdempotency);
        Assert.Equal(before.ApiKeys + ledger.ApiKeysCreated, after.ApiKeys);
        Assert.Equal(before.Projects + ledger.ProjectsCreated, after.Projects);
        Assert.Equal(before.Suppressions + ledger.SuppressionsAdded, after.Suppressions);
        Assert.Equal(before.Webhooks + ledger.WebhooksCreated, after.Webhooks);
    }

    private HttpClient CreateClient()
    {
        // Latin-1 header values, so non-ASCII bytes reach the server instead of failing in the client.
        var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 };
        return new HttpClient(handler) { BaseAddress = _stack.Api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    private static async Task<(int? Status, string Body, bool Replayed)> SendAsync(HttpClient client, HostileRequest request)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }
        if (request.Authorized)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + RelayStack.BootstrapKey);
        }
        foreach (var (name, value) in request.Headers ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        try
        {
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, body, response.Headers.Contains("Idempotent-Replayed"));
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message, false);
        }
    }

    private async Task<(int? Status, string Body, bool Replayed)> SendRawAsync(HostileRequest request)
    {
        try
        {
            var (status, head) = await RawHttp.SendAsync(_stack.ApiPort, request.Raw!, TimeSpan.FromSeconds(60));
            return (status, head, false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return (null, ex.Message, false);
        }
    }

    private async Task<Snapshot> SnapshotAsync()
    {
        await using var connection = await _stack.Database.DataSource.OpenConnectionAsync();
        return new Snapshot(
            (await connection.QueryAsync<Guid>("SELECT id FROM messages")).ToHashSet(),
            (await connection.QueryAsync<Guid>("SELECT message_id FROM message_contents")).ToHashSet(),
            (await connection.QueryAsync<(Guid Id, long Count)>("SELECT message_id, count(*) FROM recipients GROUP BY message_id")).ToDictionary(r => r.Id, r => r.Count),
            (await connection.QueryAsync<(Guid Id, long Count)>("SELECT message_id, count(*) FROM events GROUP BY message_id")).ToDictionary(r => r.Id, r => r.Count),
            (await connection.QueryAsync<string>("SELECT key FROM idempotency")).ToHashSet(StringComparer.Ordinal),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency WHERE completed_at IS NULL"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM api_keys"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM projects"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM suppressions"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_endpoints"));
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private sealed record Snapshot(HashSet<Guid> Messages, HashSet<Guid> Contents, Dictionary<Guid, long> Recipients,
        Dictionary<Guid, long> Events, HashSet<string> IdempotencyKeys, long PendingIdempotency, long ApiKeys, long Projects,
        long Suppressions, long Webhooks);

    /// <summary>What was sent and answered, and what the 2xx answers say must now be stored.</summary>
    private sealed class Ledger
    {
        private readonly SortedDictionary<string, int> _statuses = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, SortedDictionary<string, int>> _byCategory = new(StringComparer.Ordinal);

        public int Sent { get; private set; }
        public Dictionary<Guid, long?> Accepted { get; } = [];
        public HashSet<string> AcceptedIdempotencyKeys { get; } = new(StringComparer.Ordinal);
        public int ApiKeysCreated { get; private set; }
        public int ProjectsCreated { get; private set; }
        public int SuppressionsAdded { get; private set; }
        public int WebhooksCreated { get; private set; }
        public List<string> ServerErrors { get; } = [];
        public List<string> Unanswered { get; } = [];
        public List<string> WrongStatus { get; } = [];

        public void Record(HostileRequest request, int? status, string body, bool replayed)
        {
            Sent++;
            var label = status?.ToString(CultureInfo.InvariantCulture) ?? "none";
            _statuses[label] = _statuses.GetValueOrDefault(label) + 1;
            var category = _byCategory.TryGetValue(request.Category, out var existing) ? existing : _byCategory[request.Category] = new(StringComparer.Ordinal);
            category[label] = category.GetValueOrDefault(label) + 1;

            var shortBody = body.Length > 300 ? body[..300] : body;
            switch (status)
            {
                case null:
                    Unanswered.Add($"{request}: {shortBody}");
                    return;
                case >= 500:
                    ServerErrors.Add($"{status} {request}: {shortBody}");
                    return;
            }
            if (request.ExpectedStatus is { } expected && expected != status)
            {
                WrongStatus.Add($"{status} (expected {expected}) {request}: {shortBody}");
            }
            if (status is >= 200 and < 300 && request.SendsEmail)
            {
                RecordAccepted(request, body, replayed);
            }
            if (status == (int)HttpStatusCode.Created && request.Path.StartsWith("v1/api-keys", StringComparison.Ordinal))
            {
                ApiKeysCreated++;
            }
            if (status == (int)HttpStatusCode.Created && request.Path.StartsWith("v1/projects", StringComparison.Ordinal))
            {
                ProjectsCreated++;
            }
            if (request.Path.StartsWith("v1/suppressions", StringComparison.Ordinal))
            {
                SuppressionsAdded += status == (int)HttpStatusCode.Created ? 1 : status == (int)HttpStatusCode.NoContent ? -1 : 0;
            }
            if (status == (int)HttpStatusCode.Created && request.Path == "v1/webhooks")
            {
                WebhooksCreated++;
            }
        }

        private void RecordAccepted(HostileRequest request, string body, bool replayed)
        {
            using var json = JsonDocument.Parse(body);
            if (request.IdempotencyKey is { } key)
            {
                AcceptedIdempotencyKeys.Add(key);
            }
            if (json.RootElement.TryGetProperty("data", out var items))
            {
                foreach (var item in items.EnumerateArray().Where(i => i.TryGetProperty("id", out _)))
                {
                    Accepted.TryAdd(item.GetProperty("id").GetGuid(), null);
                }
                return;
            }
            var id = json.RootElement.GetProperty("id").GetGuid();
            var recipients = json.RootElement.GetProperty("recipients").GetArrayLength();
            if (!replayed || !Accepted.ContainsKey(id))
            {
                Accepted[id] = recipients;
            }
        }

        public string Report(int seed, TimeSpan elapsed)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"hostile input: {Sent} requests, seed {seed}, {elapsed.TotalSeconds:0.0} s");
            text.AppendLine(CultureInfo.InvariantCulture, $"status histogram: {Histogram(_statuses)}");
            foreach (var (category, statuses) in _byCategory)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {category,-12} {statuses.Values.Sum(),5}: {Histogram(statuses)}");
            }
            text.AppendLine(CultureInfo.InvariantCulture,
                $"accepted emails: {Accepted.Count}; idempotency keys completed: {AcceptedIdempotencyKeys.Count}; api keys created: {ApiKeysCreated}; projects created: {ProjectsCreated}; suppressions added: {SuppressionsAdded}; webhooks created: {WebhooksCreated}");
            text.AppendLine(CultureInfo.InvariantCulture, $"5xx: {ServerErrors.Count}; unanswered: {Unanswered.Count}; unexpected status: {WrongStatus.Count}");
            return text.ToString();
        }

        private static string Histogram(SortedDictionary<string, int> statuses) =>
            string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"));
    }
}
