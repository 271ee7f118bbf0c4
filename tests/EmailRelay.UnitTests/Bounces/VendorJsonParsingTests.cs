using System.Text.Json;
using EmailRelay.Classification;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.UnitTests.Bounces;

public sealed class VendorJsonParsingTests
{
    private const string Bounce = """
        {"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
        "bouncedRecipients":[{"emailAddress":"gone@example.org","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],
        "timestamp":"2026-11-02T10:00:00.000Z","feedbackId":"0100-abc","remoteMtaIp":"192.0.2.8"},
        "mail":{"timestamp":"2026-11-02T09:59:58.000Z","source":"bounces@bounce.example.com","messageId":"0100-ses",
        "destination":["gone@example.org"],"commonHeaders":{"from":["news@shop.example.com"],"to":["gone@example.org"],"messageId":"<n-9@shop.example.com>","subject":"Hi"}}}
        """;

    private static string Mail(string body) => $"""
        From: no-reply@sns.example.com
        Subject: AWS Notification Message
        Content-Type: text/plain; charset=UTF-8

        {body}
        --
        If you wish to stop receiving notifications from this topic, please click the link below.
        """;

    [Fact]
    public void An_ses_bounce_notification_is_read_from_the_json()
    {
        var report = Reports.Parse(Mail(Bounce));

        Assert.Equal(BounceFormat.VendorJson, report.Format);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("gone@example.org", "5.1.1", 550, BounceReason.UserUnknown, (bool?)true),
            (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.Reason, recipient.Hard));
        Assert.Equal("n-9@shop.example.com", report.ReturnedMessage?.MessageId);
        Assert.Equal("bounces@bounce.example.com", report.ReturnedMessage?.EnvelopeSender);
    }

    [Fact]
    public void An_sns_envelope_is_unwrapped()
    {
        var envelope = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["MessageId"] = "sns-1",
            ["Message"] = Bounce.ReplaceLineEndings(""),
        });

        Assert.Equal(BounceReason.UserUnknown, Assert.Single(Reports.Parse(Mail(envelope)).Recipients).Reason);
    }

    [Fact]
    public void An_ses_complaint_is_feedback()
    {
        var report = Reports.Parse(Mail("""
            {"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"reader@isp.example.net"}],
            "timestamp":"2026-11-03T08:00:00.000Z","complaintFeedbackType":"abuse","arrivalDate":"2026-11-03T07:59:00.000Z"},
            "mail":{"source":"bounces@bounce.example.com","commonHeaders":{"to":["reader@isp.example.net"]}}}
            """));

        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("reader@isp.example.net", BounceReason.Feedback, (bool?)null), (recipient.Address, recipient.Reason, recipient.Hard));
        Assert.Equal("abuse", report.Feedback?.FeedbackType);
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 7, 59, 0, TimeSpan.Zero), report.Feedback?.ArrivalDate);
    }

    [Fact]
    public void An_ses_delivery_notice_is_delivered()
    {
        var report = Reports.Parse(Mail("""
            {"notificationType":"Delivery","delivery":{"recipients":["happy@example.org"],"smtpResponse":"250 2.6.0 Message received","reportingMTA":"a1.smtp-out.example.com"},
            "mail":{"source":"bounces@bounce.example.com"}}
            """));

        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("happy@example.org", "2.6.0", 250, "delivered", (bool?)null),
            (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.ReasonName, recipient.Hard));
    }

    [Fact]
    public void Json_that_is_not_a_notification_is_not_read_as_one()
    {
        var report = Reports.Parse(Mail("""{"hello":"world"}"""));

        Assert.NotEqual(BounceFormat.VendorJson, report.Format);
    }
}
