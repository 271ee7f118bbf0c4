using EmailRelay.Classification;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.UnitTests.Bounces;

public sealed class DeliveryStatusParsingTests
{
    private const string TwoRecipients = """
        From: MAILER-DAEMON@relay.example.net
        To: bounces+7f3a@bounce.example.com
        Subject: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        This is the mail system at host relay.example.net.

        <gone@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1
            <gone@example.org>: Recipient address rejected: User unknown (in reply to
            RCPT TO command)

        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.example.net
        Original-Envelope-Id: msg-0192-abc
        Arrival-Date: Mon, 2 Nov 2026 10:00:00 +0000

        Final-Recipient: rfc822; gone@example.org
        Original-Recipient: rfc822;Gone@Example.org
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.example.org
        Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address
            rejected: User unknown

        Final-Recipient: rfc822; full@example.org
        Action: failed
        Status: 5.2.2
        Diagnostic-Code: smtp; 552-5.2.2 The mailbox you are writing to is
            552-5.2.2 over its storage quota, try again in a few days

        --b1
        Content-Type: message/rfc822

        Return-Path: <bounces+7f3a@bounce.example.com>
        From: Shop <news@shop.example.com>
        To: gone@example.org, full@example.org
        Subject: Your order
        Message-ID: <order-42@shop.example.com>

        Thanks!
        --b1--
        """;

    [Fact]
    public void Each_recipient_block_becomes_one_classified_recipient()
    {
        var report = Reports.Parse(TwoRecipients);

        Assert.Equal(BounceFormat.Rfc3464, report.Format);
        Assert.Equal(2, report.Recipients.Count);
        var gone = report.Recipients[0];
        Assert.Equal("gone@example.org", gone.Address);
        Assert.Equal("Gone@Example.org", gone.OriginalRecipient);
        Assert.Equal(DsnAction.Failed, gone.Action);
        Assert.Equal("5.1.1", gone.Status);
        Assert.False(gone.StatusDerived);
        Assert.Equal(550, gone.ReplyCode);
        Assert.Equal(BounceReason.UserUnknown, gone.Reason);
        Assert.True(gone.Hard);
        Assert.Equal("mx.example.org", gone.RemoteMta);
        Assert.Contains("Recipient address rejected: User unknown", gone.Diagnostic, StringComparison.Ordinal);

        var full = report.Recipients[1];
        Assert.Equal(("5.2.2", 552, BounceReason.MailboxFull, (bool?)false), (full.Status, full.ReplyCode, full.Reason, full.Hard));
    }

    [Fact]
    public void Report_fields_and_the_returned_headers_are_kept_for_matching()
    {
        var report = Reports.Parse(TwoRecipients);

        Assert.Equal("relay.example.net", report.ReportingMta);
        Assert.Equal("msg-0192-abc", report.OriginalEnvelopeId);
        Assert.NotNull(report.ReturnedMessage);
        Assert.Equal("order-42@shop.example.com", report.ReturnedMessage.MessageId);
        Assert.Equal("bounces+7f3a@bounce.example.com", report.ReturnedMessage.EnvelopeSender);
        Assert.Equal("news@shop.example.com", report.ReturnedMessage.From);
        Assert.Equal(["gone@example.org", "full@example.org"], report.ReturnedMessage.To);
    }

    [Fact]
    public void A_folded_multi_line_diagnostic_is_read_whole()
    {
        var full = Reports.Parse(TwoRecipients).Recipients[1];

        Assert.Equal("552-5.2.2 The mailbox you are writing to is 552-5.2.2 over its storage quota, try again in a few days", full.Diagnostic);
    }

    [Fact]
    public void A_delay_notice_is_a_deferral_that_never_suppresses()
    {
        var recipient = Reports.Single(Dsn("""
            Final-Recipient: rfc822; slow@example.org
            Action: delayed
            Status: 4.4.1
            Diagnostic-Code: smtp; 421 4.4.1 Connection timed out
            Last-Attempt-Date: Mon, 2 Nov 2026 11:00:00 +0000
            Will-Retry-Until: Thu, 5 Nov 2026 10:00:00 +0000
            """));

        Assert.Equal(DsnAction.Delayed, recipient.Action);
        Assert.Equal(DeliveryOutcome.Deferred, recipient.Outcome);
        Assert.False(recipient.Hard);
        Assert.Equal(new DateTimeOffset(2026, 11, 5, 10, 0, 0, TimeSpan.Zero), recipient.WillRetryUntil);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 11, 0, 0, TimeSpan.Zero), recipient.LastAttemptDate);
    }

    [Fact]
    public void A_failed_report_of_a_temporary_code_means_the_remote_queue_gave_up()
    {
        var recipient = Reports.Single(Dsn("""
            Final-Recipient: rfc822; slow@example.org
            Action: failed
            Status: 4.4.1
            Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.1]:25: Connection timed out
            """));

        Assert.Equal((DeliveryOutcome.Bounced, BounceReason.Expired, (bool?)false), (recipient.Outcome, recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void The_remote_servers_own_code_wins_over_a_bare_status()
    {
        var recipient = Reports.Single(Dsn("""
            Final-Recipient: rfc822; someone@example.org
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: smtp; 550 5.7.1 Service unavailable; client [192.0.2.7] blocked using zen.spamhaus.org
            """));

        Assert.Equal(("5.7.1", BounceReason.Blocked), (recipient.Status, recipient.Reason));
    }

    [Fact]
    public void Without_any_code_a_status_is_derived_and_marked_so()
    {
        var recipient = Reports.Single(Dsn("""
            Final-Recipient: rfc822; someone@example.org
            Action: failed
            Diagnostic-Code: smtp; 550 Requested action not taken: mailbox unavailable
            """));

        Assert.Equal(("5.1.1", true, 550), (recipient.Status, recipient.StatusDerived, recipient.ReplyCode));
    }

    [Fact]
    public void A_user_unknown_refused_after_data_is_a_filter_not_a_missing_mailbox()
    {
        var recipient = Reports.Single(Dsn("""
            Final-Recipient: rfc822; someone@example.org
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: smtp; 550 Unknown user (in reply to end of DATA command)
            """));

        Assert.Equal((BounceReason.Filtered, (bool?)false), (recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void A_delivery_status_part_outside_a_multipart_report_is_partial()
    {
        var report = Reports.Parse("""
            From: postmaster@gateway.example.net
            Subject: Delivery Status
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="m"

            --m
            Content-Type: text/plain

            The following addresses had delivery problems
            --m
            Content-Type: message/delivery-status

            Original-Recipient: <nobody@example.org>
            Action: failed
            Diagnostic-Code: smtp; 550 5.1.1 No such user
            --m--
            """);

        Assert.Equal(BounceFormat.Rfc3464Partial, report.Format);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("nobody@example.org", BounceReason.UserUnknown), (recipient.Address, recipient.Reason));
    }

    [Fact]
    public void A_delivery_status_mislabelled_as_text_is_still_read()
    {
        var report = Reports.Parse("""
            From: MAILER-DAEMON@mx.example.net
            Subject: Returned mail
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="r"

            --r
            Content-Type: text/plain

            Your message could not be delivered.
            --r
            Content-Type: text/plain

            Reporting-MTA: dns; mx.example.net

            Final-Recipient: rfc822; moved@example.org
            Action: failed
            Status: 5.1.6
            Diagnostic-Code: smtp; 551 5.1.6 User has moved; please try <new@example.net>
            --r--
            """);

        Assert.Equal(BounceFormat.Rfc3464Partial, report.Format);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("moved@example.org", BounceReason.HasMoved, (bool?)true), (recipient.Address, recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void A_delivery_success_notice_is_delivered_and_never_hard()
    {
        var recipient = Reports.Single(Dsn("""
            Final-Recipient: rfc822; happy@example.org
            Action: delivered
            Status: 2.0.0
            Diagnostic-Code: smtp; 250 2.0.0 OK
            """));

        Assert.Equal((DeliveryOutcome.Delivered, (BounceReason?)null, (bool?)null, "delivered"), (recipient.Outcome, recipient.Reason, recipient.Hard, recipient.ReasonName));
    }

    private static string Dsn(string recipientFields) => $"""
        From: MAILER-DAEMON@mx.example.net
        To: bounces@bounce.example.com
        Subject: Delivery Status Notification
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="x"

        --x
        Content-Type: text/plain

        Delivery report.
        --x
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net

        {recipientFields}
        --x--
        """;
}
