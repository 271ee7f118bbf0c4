using EmailRelay.Classification;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.UnitTests.Bounces;

public sealed class FeedbackAndAutoReplyParsingTests
{
    [Fact]
    public void An_arf_complaint_names_each_original_recipient_with_reason_feedback()
    {
        var report = Reports.Parse("""
            From: fbl@isp.example.net
            To: abuse@shop.example.com
            Subject: Abuse report
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="f"

            --f
            Content-Type: text/plain

            This is an email abuse report for a message received from 192.0.2.55.
            --f
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: ExampleFBL/2.1
            Version: 1
            Original-Mail-From: <bounces+9c1@bounce.example.com>
            Original-Rcpt-To: <reader@isp.example.net>
            Original-Rcpt-To: <other@isp.example.net>
            Arrival-Date: Tue, 3 Nov 2026 08:15:00 +0000
            Source-IP: 192.0.2.55
            Reported-Domain: shop.example.com

            --f
            Content-Type: text/rfc822-headers

            From: Shop <news@shop.example.com>
            To: reader@isp.example.net
            Subject: Deals
            Message-ID: <deal-7@shop.example.com>

            --f--
            """);

        Assert.Equal(BounceFormat.Arf, report.Format);
        Assert.Equal(["reader@isp.example.net", "other@isp.example.net"], report.Recipients.Select(r => r.Address));
        Assert.All(report.Recipients, r =>
        {
            Assert.Equal(BounceReason.Feedback, r.Reason);
            Assert.Null(r.Hard);
            Assert.Null(r.Status);
        });
        Assert.NotNull(report.Feedback);
        Assert.Equal("abuse", report.Feedback.FeedbackType);
        Assert.Equal("bounces+9c1@bounce.example.com", report.Feedback.OriginalMailFrom);
        Assert.Equal("192.0.2.55", report.Feedback.SourceIp);
        Assert.Equal("ExampleFBL/2.1", report.Feedback.UserAgent);
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 8, 15, 0, TimeSpan.Zero), report.Feedback.ArrivalDate);
        Assert.Equal("deal-7@shop.example.com", report.ReturnedMessage?.MessageId);
    }

    [Fact]
    public void A_complaint_without_original_rcpt_to_falls_back_to_the_reported_messages_to()
    {
        var report = Reports.Parse("""
            From: fbl@isp.example.net
            Subject: FW: spam
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="f"

            --f
            Content-Type: message/feedback-report

            Feedback-Type: fraud
            Version: 1

            --f
            Content-Type: message/rfc822

            From: news@shop.example.com
            To: victim@isp.example.net
            Subject: Verify your account

            body
            --f--
            """);

        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("victim@isp.example.net", BounceReason.Feedback), (recipient.Address, recipient.Reason));
        Assert.Equal("fraud", report.Feedback?.FeedbackType);
    }

    [Theory]
    [InlineData("Auto-Submitted: auto-replied", "Re: Your order")]
    [InlineData("X-Autoreply: yes", "Re: Your order")]
    [InlineData("Precedence: auto_reply", "Re: Your order")]
    [InlineData("X-Mailer: Example", "Out of Office: Your order")]
    [InlineData("X-Mailer: Example", "Automatic reply: Your order")]
    public void An_auto_reply_is_a_vacation_notice_from_the_recipient_never_a_bounce(string header, string subject)
    {
        var report = Reports.Parse($"""
            From: Pat Reader <pat@example.org>
            To: bounces+1@bounce.example.com
            Subject: {subject}
            {header}
            Content-Type: text/plain

            I am away until Monday and will answer when I am back.
            """);

        Assert.Equal(BounceFormat.AutoReply, report.Format);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("pat@example.org", BounceReason.Vacation, (bool?)null), (recipient.Address, recipient.Reason, recipient.Hard));
        Assert.Null(recipient.Outcome);
    }

    [Fact]
    public void A_bounce_marked_auto_replied_is_still_a_bounce()
    {
        var report = Reports.Parse("""
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            To: bounces@bounce.example.com
            Subject: Mail delivery failed: returning message to sender
            Auto-Submitted: auto-replied
            X-Failed-Recipients: gone@example.org

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              gone@example.org
                SMTP error from remote mail server after RCPT TO:<gone@example.org>:
                host mx.example.org [192.0.2.9]: 550 5.1.1 No such user
            """);

        Assert.Equal(BounceFormat.VendorText, report.Format);
        Assert.Equal(BounceReason.UserUnknown, Assert.Single(report.Recipients).Reason);
    }
}
