using System.Net;
using System.Text.Json;
using Dapper;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>What the webhook tests do on a stack: register endpoints, make deliveries as the fan-out does, read their state.</summary>
public sealed partial class RelayStack
{
    /// <summary>Registers an endpoint through the API (bootstrap key unless <paramref name="client"/>); asserts the 201.</summary>
    public async Task<(Guid Id, string Secret)> CreateWebhookAsync(string url, string[] eventTypes, HttpClient? client = null)
    {
        using var response = await PostJsonAsync("v1/webhooks", new { url, event_types = eventTypes }, client: client);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /v1/webhooks {url}: {(int)response.StatusCode} {body}");
        var created = JsonDocument.Parse(body).RootElement;
        return (created.GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    /// <summary>Sends one email to <paramref name="recipients"/> new addresses and returns its <c>queued</c> events, one per recipient.</summary>
    public async Task<IReadOnlyList<WebhookEventRef>> QueuedEventsAsync(int recipients)
    {
        var id = await SendAsync(Emails.Simple(Enumerable.Range(0, recipients).Select(i => Emails.Unique($"hook{i}")).ToArray()));
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        var events = (await connection.QueryAsync<WebhookEventRef>(
            "SELECT id AS EventId, occurred_at AS OccurredAt, type, message_id AS MessageId, project_id AS ProjectId FROM events WHERE message_id = @id AND type = 'queued' ORDER BY sequence",
            new { id })).AsList();
        Assert.Equal(recipients, events.Count);
        return events;
    }

    /// <summary>
    /// What Tracking's fan-out does for each event and a subscribed endpoint: one pending delivery,
    /// due now. Returns the delivery ids in the order of <paramref name="events"/>.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> InsertWebhookDeliveriesAsync(Guid endpointId, IEnumerable<WebhookEventRef> events)
    {
        var rows = events.Select(e => (Id: Guid.CreateVersion7(), Event: e)).ToList();
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO webhook_deliveries (id, endpoint_id, project_id, event_id, event_occurred_at, event_type, message_id, status, next_attempt_at)
            SELECT d.id, @endpointId, d.project_id, d.event_id, d.occurred_at, d.type, d.message_id, 'pending', now()
            FROM unnest(@ids::uuid[], @projects::uuid[], @events::uuid[], @times::timestamptz[], @types::text[], @messages::uuid[])
                 AS d(id, project_id, event_id, occurred_at, type, message_id)
            """,
            new
            {
                endpointId, ids = rows.Select(r => r.Id).ToArray(), projects = rows.Select(r => r.Event.ProjectId).ToArray(),
                events = rows.Select(r => r.Event.EventId).ToArray(), times = rows.Select(r => r.Event.OccurredAt).ToArray(),
                types = rows.Select(r => r.Event.Type).ToArray(), messages = rows.Select(r => r.Event.MessageId).ToArray(),
            });
        return rows.Select(r => r.Id).ToList();
    }

    public async Task<WebhookDeliveryRow> WebhookDeliveryAsync(Guid id)
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<WebhookDeliveryRow>(
            """
            SELECT id, endpoint_id AS EndpointId, status, attempts, next_attempt_at AS NextAttemptAt, leased_until AS LeasedUntil,
                   last_status_code AS LastStatusCode, last_error AS LastError, completed_at AS CompletedAt, payload
            FROM webhook_deliveries WHERE id = @id
            """, new { id });
    }

    public async Task<IReadOnlyList<WebhookAttemptRow>> WebhookAttemptsAsync(Guid deliveryId)
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<WebhookAttemptRow>(
            """
            SELECT attempt, attempted_at AS AttemptedAt, duration_ms AS DurationMs, status_code AS StatusCode, error,
                   response_excerpt AS ResponseExcerpt
            FROM webhook_attempts WHERE delivery_id = @deliveryId ORDER BY attempted_at, id
            """, new { deliveryId })).AsList();
    }

    /// <summary>Polls the database until the delivery satisfies <paramref name="done"/>.</summary>
    public async Task<WebhookDeliveryRow> WaitForWebhookDeliveryAsync(Guid id, Func<WebhookDeliveryRow, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var row = await WebhookDeliveryAsync(id);
            if (done(row))
            {
                return row;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"timed out after {timeout.TotalSeconds} s waiting for webhook delivery {id}; last seen {row}\n{DescribeTrackers()}");
            await Task.Delay(100);
        }
    }

    public string DescribeTrackers() => string.Join("\n\n", _trackers.Select(p => $"--- {p.Name}\n{p.Tail(25)}"));
}
