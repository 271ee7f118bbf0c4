using EmailRelay.Classification;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.UnitTests.Bounces;

/// <summary>The notices MTAs and providers write in their own words, one family per test, written for these tests.</summary>
public sealed class VendorTextParsingTests
{
    private static BounceRecipient Only(string message)
    {
        var report = Reports.Parse(message);
        Assert.Equal(BounceFormat.VendorText, report.Format);
        return Assert.Single(report.Recipients);
    }

    [Fact]
    public void Exim_failure_lists_each_address_with_the_remote_reply()
    {
        var report = Reports.Parse("""
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            To: bounces@bounce.example.com
            Subject: Mail delivery failed: returning message to sender

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              gone@example.org
                SMTP error from remote mail server after RCPT TO:<gone@example.org>:
                host mx.example.org [192.0.2.9]: 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown
              full@example.net
                SMTP error from remote mail server after RCPT TO:<full@example.net>:
                host mx.example.net [192.0.2.10]: 452 4.2.2 Mailbox full

            ------ This is a copy of the message, including all the headers. ------

            Return-path: <bounces@bounce.example.com>
            From: news@shop.example.com
            To: gone@example.org
            Message-Id: <n-1@shop.example.com>
            Subject: News

            Hello
            """);

        Assert.Equal(["gone@example.org", "full@example.net"], report.Recipients.Select(r => r.Address));
        Assert.Equal(("5.1.1", 550, BounceReason.UserUnknown, (bool?)true), Tuple(report.Recipients[0]));
        Assert.Equal(("4.2.2", 452, BounceReason.MailboxFull, (bool?)false), Tuple(report.Recipients[1]));
        Assert.Equal("n-1@shop.example.com", report.ReturnedMessage?.MessageId);
    }

    [Fact]
    public void Exim_delay_warning_is_a_deferral()
    {
        var recipient = Only("""
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            Subject: Warning: message 1abcDE-000123-XY delayed 24 hours

            This message was created automatically by mail delivery software.
            A message that you sent has not yet been delivered to one or more of its
            recipients after more than 24 hours on the queue on mx.example.net.

            The address to which the message has not yet been delivered is:

              slow@example.org
                host mx.example.org [192.0.2.5]
                Delay reason: SMTP error from remote mail server after RCPT TO:<slow@example.org>:
                451 4.7.1 Greylisted, please try again later

            No action is required on your part.
            """);

        Assert.Equal((DsnAction.Delayed, DeliveryOutcome.Deferred, (bool?)false), (recipient.Action, recipient.Outcome, recipient.Hard));
        Assert.Equal(("4.7.1", 451, BounceReason.PolicyViolation), (recipient.Status, recipient.ReplyCode, recipient.Reason));
    }

    [Fact]
    public void Qmail_names_the_address_then_what_the_remote_host_said()
    {
        var recipient = Only("""
            From: MAILER-DAEMON@mail.example.net
            Subject: failure notice

            Hi. This is the qmail-send program at mail.example.net.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <full@example.org>:
            192.0.2.3 does not like recipient.
            Remote host said: 552 5.2.2 Mailbox quota exceeded
            Giving up on 192.0.2.3.

            --- Below this line is a copy of the message.

            Return-Path: <bounces@bounce.example.com>
            """);

        Assert.Equal(("full@example.org", "5.2.2", 552, BounceReason.MailboxFull), (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.Reason));
    }

    [Fact]
    public void Qmail_code_appended_to_the_words_does_not_outrank_them()
    {
        var recipient = Only("""
            From: MAILER-DAEMON@mail.example.net
            Subject: failure notice

            Hi. This is the qmail-send program at mail.example.net.

            <nomx@example.org>:
            Sorry, I couldn't find any host named example.org. (#5.1.2)

            --- Below this line is a copy of the message.
            """);

        Assert.Equal(("5.1.2", BounceReason.HostUnknown, (bool?)true), (recipient.Status, recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void Postfix_human_part_alone_is_enough()
    {
        var recipient = Only("""
            From: MAILER-DAEMON@relay.example.net (Mail Delivery System)
            Subject: Undelivered Mail Returned to Sender
            Content-Type: text/plain

            This is the mail system at host relay.example.net.

            I'm sorry to have to inform you that your message could not
            be delivered to one or more recipients. It's attached below.

            <someone@example.org>: host mx.example.org[192.0.2.4] said: 554 5.7.1
                Service unavailable; Client host [192.0.2.99] blocked using
                bl.spamcop.net (in reply to RCPT TO command)
            """);

        Assert.Equal(("someone@example.org", "5.7.1", 554, BounceReason.Blocked), (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.Reason));
    }

    [Fact]
    public void Sendmail_summary_and_transcript_make_one_recipient()
    {
        var recipient = Only("""
            From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
            Subject: Returned mail: see transcript for details

            The original message was received at Mon, 2 Nov 2026 10:00:00 +0000
            from localhost [127.0.0.1]

               ----- The following addresses had permanent fatal errors -----
            <gone@example.org>
                (reason: 550 5.1.1 <gone@example.org>... User unknown)

               ----- Transcript of session follows -----
            ... while talking to mx.example.org.:
            >>> RCPT To:<gone@example.org>
            <<< 550 5.1.1 <gone@example.org>... User unknown
            550 5.1.1 <gone@example.org>... User unknown
            """);

        Assert.Equal(("gone@example.org", "5.1.1", 550, BounceReason.UserUnknown, (bool?)true),
            (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void Exchange_ndr_reads_the_remote_server_line()
    {
        var recipient = Only("""
            From: postmaster@corp.example.net
            Subject: Undeliverable: Quarterly report
            Content-Type: text/plain

            Delivery has failed to these recipients or groups:

            gone@example.org
            The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.

            Diagnostic information for administrators:

            Generating server: EXCH01.corp.example.net

            gone@example.org
            Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'

            Original message headers:

            From: someone@corp.example.net
            """);

        Assert.Equal(("gone@example.org", "5.1.1", 550, BounceReason.UserUnknown), (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.Reason));
    }

    [Fact]
    public void Gmail_notice_gives_the_other_servers_error()
    {
        var recipient = Only("""
            From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
            Subject: Delivery Status Notification (Failure)

            Delivery to the following recipient failed permanently:

                 gone@example.org

            Technical details of permanent failure:
            Google tried to deliver your message, but it was rejected by the server for the recipient domain example.org by mx.example.org. [192.0.2.1].

            The error that the other server returned was:
            550-5.1.1 The email account that you tried to reach does not exist. Please try
            550 5.1.1 double-checking the recipient's email address for typos.

            ----- Original message -----
            """);

        Assert.Equal(("gone@example.org", "5.1.1", 550, BounceReason.UserUnknown), (recipient.Address, recipient.Status, recipient.ReplyCode, recipient.Reason));
    }

    [Fact]
    public void Yahoo_notice_without_an_enhanced_code_derives_one()
    {
        var recipient = Only("""
            From: MAILER-DAEMON@yahoo.example.com
            Subject: Failure Notice

            Sorry, we were unable to deliver your message to the following address.

            <gone@example.org>:
            Remote host said: 554 delivery error: dd This user doesn't have a example.org account (gone@example.org) [0] - mta1.example.org [RCPT_TO]

            --- Below this line is a copy of the message.
            """);

        Assert.Equal(("gone@example.org", 554, BounceReason.UserUnknown, "5.1.1", true),
            (recipient.Address, recipient.ReplyCode, recipient.Reason, recipient.Status, recipient.StatusDerived));
    }

    [Fact]
    public void A_refusal_of_our_sender_is_not_about_the_recipient()
    {
        var recipient = Only("""
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            Subject: Mail delivery failed: returning message to sender

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              someone@example.org
                SMTP error from remote mail server after MAIL FROM:<bounces@bounce.example.com> SIZE=2048:
                550 5.1.0 Domain does not exist
            """);

        Assert.Equal((BounceReason.Rejected, (bool?)false), (recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void A_notice_that_names_nobody_falls_back_to_x_failed_recipients()
    {
        var recipient = Only("""
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            Subject: Mail delivery failed
            X-Failed-Recipients: gone@example.org

            Delivery failed: the mailbox does not exist.
            """);

        Assert.Equal(("gone@example.org", BounceReason.UserUnknown), (recipient.Address, recipient.Reason));
    }

    [Fact]
    public void Domino_names_the_recipient_between_was_not_delivered_to_and_because()
    {
        var recipient = Only("""
            From: Postmaster@corp.example.org
            Subject: DELIVERY FAILURE: User Pat Doe (pat@corp.example.org) not listed in Domino Directory
            Content-Type: text/plain

            Your message

              Subject: Minutes

            was not delivered to:

              pat@corp.example.org

            because:

              User Pat Doe (pat@corp.example.org) not listed in Domino Directory
            """);

        Assert.Equal(("pat@corp.example.org", BounceReason.UserUnknown, (bool?)true), (recipient.Address, recipient.Reason, recipient.Hard));
    }

    [Fact]
    public void A_reason_given_before_its_list_of_recipients_applies_to_each()
    {
        var report = Reports.Parse("""
            From: postmaster@relay.example.net
            To: bounces@bounce.example.com
            Subject: Undeliverable Mail: "Minutes"
            Content-Type: text/plain

            Your message:
               From:    bounces@bounce.example.com
               Subject: Minutes

            Could not be delivered because of

            550 5.1.1 User unknown

            The following recipients were affected:
                first@example.org
                second@example.org

            Additional Information
            ======================
            Original Sender:    <bounces@bounce.example.com>
            """);

        Assert.Equal(["first@example.org", "second@example.org"], report.Recipients.Select(r => r.Address));
        Assert.All(report.Recipients, r => Assert.Equal(("5.1.1", BounceReason.UserUnknown), (r.Status, r.Reason)));
    }

    [Fact]
    public void A_notice_forwarded_as_an_attachment_is_read_from_the_attachment()
    {
        var report = Reports.Parse("""
            From: "Mail Delivery Subsystem" <MAILER-DAEMON@gateway.example.net>
            To: notifications@gateway.example.net
            Subject: Returned mail: User unknown
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="outer"

            --outer
            Content-Type: text/plain

            ----- The following addresses had permanent delivery errors -----

            --outer
            Content-Type: message/rfc822

            From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
            To: bounces@bounce.example.com
            Subject: Returned mail: User unknown
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="inner"

            --inner
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.org

            Final-Recipient: rfc822; gone@example.org
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 User unknown
            --inner--
            --outer--
            """);

        Assert.Equal(BounceFormat.Rfc3464, report.Format);
        Assert.Equal(("gone@example.org", BounceReason.UserUnknown), (Assert.Single(report.Recipients).Address, report.Recipients[0].Reason));
    }

    private static (string?, int?, BounceReason?, bool?) Tuple(BounceRecipient r) => (r.Status, r.ReplyCode, r.Reason, r.Hard);
}
