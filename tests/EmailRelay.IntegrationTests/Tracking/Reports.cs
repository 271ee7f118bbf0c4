namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>Reports as real MTAs and feedback loops write them, addressed to our return paths.</summary>
public static class Reports
{
    /// <summary>An RFC 3464 delivery status notification, laid out the way Postfix writes one.</summary>
    public static string Dsn(string returnPath, string recipient, string status, string diagnostic, string messageId) => $"""
        From: MAIL-DAEMON@mx.example.net (Mail Delivery System)
        To: {returnPath}
        Subject: Undelivered Mail Returned to Sender
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"

        --dsn-boundary
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mx.example.net.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <{recipient}>: host mailstore.example.net said: {diagnostic}

        --dsn-boundary
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net
        Arrival-Date: Sun, 29 Nov 2026 10:00:00 +0000 (UTC)

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: failed
        Status: {status}
        Remote-MTA: dns; mailstore.example.net
        Diagnostic-Code: smtp; {diagnostic}

        --dsn-boundary
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <{returnPath}>
        From: Acme <no-reply@acme.example>
        To: {recipient}
        Subject: Test message
        Message-ID: {messageId}

        --dsn-boundary--

        """.ReplaceLineEndings("\r\n");

    /// <summary>
    /// An ARF complaint (RFC 5965) as a feedback loop sends it: to a fixed address at the bounce
    /// domain, naming our return path only in the report and the returned copy.
    /// </summary>
    public static string Complaint(string feedbackAddress, string returnPath, string recipient, string messageId) => $"""
        From: Feedback Loop <fbl@isp.example>
        To: {feedbackAddress}
        Subject: FW: Test message
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="arf-boundary"

        --arf-boundary
        Content-Type: text/plain; charset=us-ascii

        This is an email abuse report for an email message received from IP 192.0.2.10.

        --arf-boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: ExampleFBL/1.0
        Version: 1
        Original-Mail-From: <{returnPath}>
        Original-Rcpt-To: <{recipient}>
        Arrival-Date: Sun, 29 Nov 2026 10:00:00 +0000
        Source-IP: 192.0.2.10

        --arf-boundary
        Content-Type: message/rfc822

        Return-Path: <{returnPath}>
        From: Acme <no-reply@acme.example>
        To: {recipient}
        Subject: Test message
        Message-ID: {messageId}

        Hello from the integration tests.
        --arf-boundary--

        """.ReplaceLineEndings("\r\n");

    /// <summary>An out-of-office reply (RFC 3834).</summary>
    public static string AutoReply(string returnPath, string recipient) => $"""
        From: {recipient}
        To: {returnPath}
        Subject: Out of office: Test message
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: text/plain; charset=us-ascii

        I am out of the office until Monday and will read your message then.

        """.ReplaceLineEndings("\r\n");
}
