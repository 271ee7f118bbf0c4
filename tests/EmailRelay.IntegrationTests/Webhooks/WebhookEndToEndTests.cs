using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>
/// The whole path: an email POSTed to the API, delivered by the SMTP server, its timeline events
/// fanned out by Tracking and sent to a subscribed endpoint as webhooks that the standardwebhooks
/// package verifies.
/// </summary>
[Collection(WebhookStackCollection.Name)]
public sealed class WebhookEndToEndTests(WebhookStack fixture)
{
    private RelayStack Stack => fixture.Stack;
    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task An_email_delivered_over_smtp_reaches_a_subscribed_endpoint_as_signed_webhooks()
    {
        var path = $"e2e-{Guid.NewGuid():N}";
        var (endpoint, secret) = await Stack.CreateWebhookAsync(Receiver.Url(path), ["queued", "delivered"]);
        var to = Emails.Unique("e2e");
        var email = Emails.Simple(to);
        email["tags"] = new[] { "receipt" };
        email["metadata"] = new Dictionary<string, string> { ["order_id"] = "1234" };

        var id = await Stack.SendAsync(email);
        var delivered = await Stack.WaitForStatusAsync(id, "delivered");
        var received = await Receiver.WaitForAsync(path, 2, TimeSpan.FromSeconds(30));

        Assert.Equal(2, received.Count);
        Assert.Single(Stack.Smtp.Messages, m => m.Recipients.Contains(to, StringComparer.OrdinalIgnoreCase));
        var byType = received.ToDictionary(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()!);
        Assert.Equal(["email.delivered", "email.queued"], byType.Keys.Order());
        var events = delivered.Events().ToDictionary(e => e.Str("type"));
        foreach (var (type, webhook) in byType)
        {
            var data = JsonDocument.Parse(webhook.Body).RootElement.GetProperty("data");
            var timelineEvent = events[type["email.".Length..]];
            Assert.Equal(timelineEvent.GetProperty("id").GetGuid(), data.GetProperty("event_id").GetGuid());
            Assert.Equal(timelineEvent.GetProperty("sequence").GetInt32(), data.GetProperty("sequence").GetInt32());
            Assert.Equal(id, data.GetProperty("email_id").GetGuid());
            Assert.Equal(to, data.Str("recipient"));
            Assert.Equal(["receipt"], data.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList());
            Assert.Equal("1234", data.GetProperty("metadata").Str("order_id"));
        }
        var deliveredData = JsonDocument.Parse(byType["email.delivered"].Body).RootElement.GetProperty("data");
        Assert.Equal(250, deliveredData.GetProperty("reply_code").GetInt32());
        Assert.Equal(1, deliveredData.GetProperty("attempt").GetInt32());
        Assert.StartsWith("250", deliveredData.Str("reply"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, deliveredData.GetProperty("bounce_reason").ValueKind);

        var verdicts = await StandardWebhooksVerifier.VerifyAsync(byType.Select(w => new StandardWebhooksVerifier.Case(w.Key, secret, w.Value)));
        Assert.All(verdicts, v => Assert.True(v.Valid, $"{v.Name}: {v.Error}"));

        using var response = await Stack.Api.GetAsync($"v1/webhooks/{endpoint}/deliveries?status=succeeded");
        var listed = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        Assert.Equal(["delivered", "queued"], listed.EnumerateArray().Select(d => d.Str("event_type")).Order().ToList());
        Assert.All(listed.EnumerateArray(), d => Assert.Equal(id, d.GetProperty("email_id").GetGuid()));
    }
}
