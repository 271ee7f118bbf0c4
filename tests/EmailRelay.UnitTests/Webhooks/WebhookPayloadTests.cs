using System.Text;
using System.Text.Json;
using EmailRelay.Tracking.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class WebhookPayloadTests
{
    private static readonly Guid EventId = Guid.Parse("0193a1b2-0000-7000-8000-0000000000e1");
    private static readonly Guid EmailId = Guid.Parse("0193a1b2-0000-7000-8000-0000000000a1");
    private static readonly DateTimeOffset OccurredAt = new(2026, 11, 29, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void A_bounce_carries_the_fields_of_api_md_in_order()
    {
        var e = new WebhookEvent(3, "ana@example.net", OccurredAt,
            """{"hard": true, "reply": "550 5.1.1 no such user", "attempt": 1, "reply_code": 550, "remote_host": "mx.example.net", "bounce_reason": "user_unknown", "enhanced_code": "5.1.1"}""",
            ["receipt"], """{"order_id": "1234"}""");

        var json = Encoding.UTF8.GetString(WebhookPayload.Build("bounced", EventId, EmailId, e));

        Assert.Equal(
            """{"type":"email.bounced","timestamp":"2026-11-29T12:00:00.123Z","data":{"event_id":"0193a1b2-0000-7000-8000-0000000000e1","email_id":"0193a1b2-0000-7000-8000-0000000000a1","sequence":3,"recipient":"ana@example.net","reply_code":550,"enhanced_code":"5.1.1","reply":"550 5.1.1 no such user","bounce_reason":"user_unknown","hard":true,"attempt":1,"remote_host":"mx.example.net","tags":["receipt"],"metadata":{"order_id":"1234"}}}""",
            json);
    }

    [Fact]
    public void An_event_without_reply_fields_has_them_as_null()
    {
        var e = new WebhookEvent(1, "ana@example.net", OccurredAt, "{}", [], "{}");

        using var json = JsonDocument.Parse(WebhookPayload.Build("queued", EventId, EmailId, e));

        var data = json.RootElement.GetProperty("data");
        foreach (var name in new[] { "reply_code", "enhanced_code", "reply", "bounce_reason", "hard", "attempt" })
        {
            Assert.Equal(JsonValueKind.Null, data.GetProperty(name).ValueKind);
        }
        Assert.Equal("email.queued", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(0, data.GetProperty("tags").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, data.GetProperty("metadata").ValueKind);
    }

    [Fact]
    public void Details_never_duplicate_a_field_the_payload_writes_itself()
    {
        var e = new WebhookEvent(2, "ana@example.net", OccurredAt, """{"tags": ["x"], "recipient": "other", "send_at": "2026-12-01T00:00:00Z"}""", [], "{}");

        var json = Encoding.UTF8.GetString(WebhookPayload.Build("scheduled", EventId, EmailId, e));

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, "\"recipient\""));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, "\"tags\""));
        Assert.Contains("\"send_at\":\"2026-12-01T00:00:00Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_event_always_makes_the_same_bytes()
    {
        var e = new WebhookEvent(2, null, OccurredAt, """{"reply_code": 451, "reply": "451 try later"}""", ["a", "b"], """{"k": "v"}""");

        Assert.Equal(WebhookPayload.Build("deferred", EventId, EmailId, e), WebhookPayload.Build("deferred", EventId, EmailId, e));
    }
}
