using EmailRelay.Classification;
using ClassificationResult = EmailRelay.Classification.Classification;

namespace EmailRelay.UnitTests.Classification;

public sealed class ReplyClassifierTests
{
    private static readonly ReplyClassifier Classifier = ReplyClassifier.Default;

    // Reply lines as real servers send them (code, text after the code), with what they must mean.
    public static TheoryData<int, string, DeliveryOutcome, string, bool> RealWorldReplies => new()
    {
        // Gmail
        { 550, "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos or\n5.1.1 unnecessary spaces.", DeliveryOutcome.Bounced, "user_unknown", true },
        { 552, "5.2.2 The email account that you tried to reach is over quota.", DeliveryOutcome.Bounced, "mailbox_full", false },
        { 550, "5.2.1 The email account that you tried to reach is disabled.", DeliveryOutcome.Bounced, "suspend", false },
        { 450, "4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.", DeliveryOutcome.Deferred, "speeding", false },
        { 421, "4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address.", DeliveryOutcome.Deferred, "speeding", false },
        { 550, "5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail.", DeliveryOutcome.Bounced, "spam_detected", false },
        { 421, "4.7.0 [192.0.2.1] Our system has detected that this message is suspicious due to the very low reputation of the sending IP address.", DeliveryOutcome.Deferred, "bad_reputation", false },
        { 550, "5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.", DeliveryOutcome.Bounced, "auth_failure", false },
        { 550, "5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.", DeliveryOutcome.Bounced, "auth_failure", false },
        { 550, "5.7.25 [192.0.2.1] The IP address sending this message does not have a PTR record setup.", DeliveryOutcome.Bounced, "require_ptr", false },
        { 552, "5.3.4 Your message exceeded Google's message size limits.", DeliveryOutcome.Bounced, "mesg_too_big", false },
        { 550, "5.7.1 [192.0.2.1] Our system has detected that this message is not RFC 5322 compliant: 'From' header is missing.", DeliveryOutcome.Bounced, "not_compliant_rfc", false },
        { 552, "5.7.0 This message was blocked because its content presents a potential security issue.", DeliveryOutcome.Bounced, "policy_violation", false },
        { 530, "5.7.0 Must issue a STARTTLS command first.", DeliveryOutcome.Bounced, "failed_starttls", false },
        { 535, "5.7.8 Username and Password not accepted.", DeliveryOutcome.Bounced, "security_error", false },

        // Microsoft (Outlook.com, Microsoft 365)
        { 550, "5.5.0 Requested action not taken: mailbox unavailable", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT001.eop-EUR03.prod.protection.outlook.com]", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/", DeliveryOutcome.Bounced, "blocked", false },
        { 550, "5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.", DeliveryOutcome.Bounced, "auth_failure", false },
        { 550, "5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", DeliveryOutcome.Bounced, "blocked", false },
        { 550, "5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", DeliveryOutcome.Bounced, "host_unknown", true },
        { 550, "5.2.2 STOREDRV.Deliver: mailbox full.", DeliveryOutcome.Bounced, "mailbox_full", false },

        // Yahoo / AOL
        { 421, "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", DeliveryOutcome.Deferred, "bad_reputation", false },
        { 554, "delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1234.mail.bf1.yahoo.com", DeliveryOutcome.Bounced, "user_unknown", true },
        { 554, "5.7.9 Message not accepted for policy reasons.  See https://help.yahoo.com/kb/postmaster/SLN7253.html", DeliveryOutcome.Bounced, "policy_violation", false },

        // Postfix, Exim, Sendmail, qmail and friends
        { 452, "4.2.2 Mailbox full", DeliveryOutcome.Deferred, "mailbox_full", false },
        { 554, "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1", DeliveryOutcome.Bounced, "blocked", false },
        { 554, "5.7.1 Service unavailable; client [192.0.2.1] blocked using dnsbl.sorbs.net", DeliveryOutcome.Bounced, "blocked", false },
        { 550, "Relaying denied", DeliveryOutcome.Bounced, "no_relaying", false },
        { 554, "5.7.1 <someone@example.net>: Relay access denied", DeliveryOutcome.Bounced, "no_relaying", false },
        { 553, "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", DeliveryOutcome.Bounced, "no_relaying", false },
        { 451, "4.7.1 Greylisted, see http://postgrey.schweikert.ch/help/example.com.html", DeliveryOutcome.Deferred, "policy_violation", false },
        { 450, "4.2.0 <someone@example.com>: Recipient address rejected: Greylisted", DeliveryOutcome.Deferred, "policy_violation", false },
        { 552, "5.3.4 Message size exceeds fixed limit", DeliveryOutcome.Bounced, "mesg_too_big", false },
        { 550, "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.1.1 <nobody@example.org>... User unknown", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.0.0 <nobody@example.org>... User unknown", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "Unknown user nobody@example.jp", DeliveryOutcome.Bounced, "user_unknown", true },
        { 551, "not our user", DeliveryOutcome.Bounced, "user_unknown", true },
        { 550, "5.1.6 recipient no longer on server: someone@example.jp", DeliveryOutcome.Bounced, "has_moved", true },
        { 450, "4.1.8 <bounces@example.com>: Sender address rejected: Domain not found", DeliveryOutcome.Deferred, "rejected", false },
        { 550, "Host or domain name not found. Name service error for name=example.invalid type=A: Host not found", DeliveryOutcome.Bounced, "host_unknown", true },
        { 554, "5.7.1 <unknown[192.0.2.1]>: Client host rejected: cannot find your reverse hostname, [192.0.2.1]", DeliveryOutcome.Bounced, "require_ptr", false },
        { 450, "4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", DeliveryOutcome.Deferred, "require_ptr", false },
        { 554, "5.7.1 <mail.example.net[192.0.2.1]>: Client host rejected: Access denied", DeliveryOutcome.Bounced, "blocked", false },
        { 421, "4.7.0 Too many connections from 192.0.2.1, try again later", DeliveryOutcome.Deferred, "too_many_conn", false },
        { 452, "4.5.3 Error: too many recipients", DeliveryOutcome.Deferred, "exceed_limit", false },
        { 550, "5.7.1 Message rejected as spam by Content Filtering.", DeliveryOutcome.Bounced, "spam_detected", false },
        { 554, "5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Test-Signature", DeliveryOutcome.Bounced, "virus_detected", false },
        { 550, "5.7.1 Email rejected per DMARC policy for example.com", DeliveryOutcome.Bounced, "auth_failure", false },
        { 550, "5.7.1 <someone@example.com>: Recipient address rejected: User someone temporary locked. Please try again later!", DeliveryOutcome.Bounced, "suspend", false },
        { 550, "Mailbox is frozen. See http://mail.example.ua/err/3/", DeliveryOutcome.Bounced, "suspend", false },
        { 525, "5.7.13 Disabled recipient address", DeliveryOutcome.Bounced, "suspend", false },
        { 550, "5.2.0 Message Filtered", DeliveryOutcome.Bounced, "filtered", false },
        { 503, "5.5.1 Error: need RCPT command", DeliveryOutcome.Bounced, "syntax_error", false },
        { 503, "Improper sequence of commands", DeliveryOutcome.Bounced, "syntax_error", false },
        { 451, "4.3.0 Temporary local problem - please try later", DeliveryOutcome.Deferred, "system_error", false },
        { 421, "4.4.2 mx.example.com Error: timeout exceeded", DeliveryOutcome.Deferred, "network_error", false },
        { 554, "5.4.6 Hop count exceeded - possible mail loop", DeliveryOutcome.Bounced, "network_error", false },
        { 550, "5.6.0 Message contains invalid header", DeliveryOutcome.Bounced, "not_compliant_rfc", false },
        { 550, "Please turn on SMTP Authentication in your mail client.", DeliveryOutcome.Bounced, "security_error", false },
        { 550, "Ip frequency limited", DeliveryOutcome.Bounced, "speeding", false },
        { 554, "Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: bounces@example.com", DeliveryOutcome.Bounced, "rejected", false },

        // Null MX (RFC 7505, RFC 7504) — not_accept is hard only with a 5yz.
        { 556, "5.1.10 Recipient address has null MX", DeliveryOutcome.Bounced, "not_accept", true },
        { 521, "example.com does not accept mail", DeliveryOutcome.Bounced, "not_accept", true },
        { 421, "4.3.2 Service shutting down", DeliveryOutcome.Deferred, "not_accept", false },

        // RFC 5321 stock texts: the basic code decides when nothing else does.
        { 552, "Requested mail action aborted: exceeded storage allocation", DeliveryOutcome.Bounced, "mailbox_full", false },
        { 421, "mx.example.com Service not available, closing transmission channel", DeliveryOutcome.Deferred, "system_error", false },
        { 554, "Transaction failed", DeliveryOutcome.Bounced, "undefined", false },
    };

    [Theory]
    [MemberData(nameof(RealWorldReplies))]
    public void Real_world_replies_are_classified(int code, string text, DeliveryOutcome outcome, string reason, bool hard)
    {
        var result = Classifier.ClassifyReply(code, null, text);

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(reason, result.Reason?.ToSnakeCase());
        Assert.Equal(hard, result.Hard);
        Assert.False(result.Ambiguous);
    }

    [Theory]
    [MemberData(nameof(RealWorldReplies))]
    public void ReasonFor_agrees_with_ClassifyReply(int code, string text, DeliveryOutcome outcome, string reason, bool hard)
    {
        _ = (outcome, hard);
        Assert.Equal(reason, Classifier.ReasonFor(code, null, text).ToSnakeCase());
    }

    [Theory]
    [InlineData(250, "2.0.0 OK 1700000000 a1b2c3d4e5.12 - gsmtp")]
    [InlineData(250, "Ok: queued as 4ZxQ1d2Lq9z9sXy")]
    [InlineData(251, "User not local; will forward to <someone@example.org>")]
    [InlineData(250, "")]
    public void Success_replies_are_delivered_with_no_reason(int code, string text)
    {
        var result = Classifier.ClassifyReply(code, null, text);

        Assert.Equal(new ClassificationResult(DeliveryOutcome.Delivered, null, Hard: false, Ambiguous: false), result);
    }

    [Fact]
    public void Success_path_does_not_allocate()
    {
        const string text = "2.0.0 OK 1700000000 a1b2c3d4e5.12 - gsmtp";
        for (var i = 0; i < 1000; i++)
        {
            Classifier.ClassifyReply(250, "2.0.0", text);
        }

        // Allocating per call would cost at least 24 bytes x 10,000 calls; the small allowance
        // absorbs one-off runtime work (tiered JIT bookkeeping) that can land on this thread.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Classifier.ClassifyReply(250, "2.0.0", text);
        }

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4096);
    }

    [Fact]
    public void Phrases_split_across_lines_of_a_multiline_reply_are_found()
    {
        const string text = "5.7.0 This message was blocked because its content presents a potential\n"
            + "5.7.0 security issue. Please visit https://support.google.com/mail/?p=BlockedMessage";

        Assert.Equal(BounceReason.PolicyViolation, Classifier.ClassifyReply(552, null, text).Reason);
        Assert.Equal(BounceReason.PolicyViolation, Classifier.ReasonFor(552, null, "552-" + text.Replace("\n", "\r\n552 ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(354, "End data with <CR><LF>.<CR><LF>")]
    [InlineData(334, "VXNlcm5hbWU6")]
    [InlineData(0, "")]
    [InlineData(199, "5.1.1 user unknown")]
    [InlineData(600, "5.1.1 user unknown")]
    public void Unexpected_reply_classes_are_deferred_as_system_error(int code, string text)
    {
        var result = Classifier.ClassifyReply(code, null, text);

        Assert.Equal(new ClassificationResult(DeliveryOutcome.Deferred, BounceReason.SystemError, Hard: false, Ambiguous: false), result);
    }

    [Fact]
    public void Enhanced_code_wins_over_generic_text()
    {
        var result = Classifier.ClassifyReply(550, null, "5.1.1 Mailbox full, spam detected, relay denied");

        Assert.Equal(BounceReason.UserUnknown, result.Reason);
        Assert.True(result.Hard);
    }

    [Fact]
    public void Text_refines_a_generic_enhanced_code()
    {
        Assert.Equal(BounceReason.MailboxFull, Classifier.ReasonFor(550, "5.7.1", "Mailbox full"));
        Assert.Equal(BounceReason.UserUnknown, Classifier.ReasonFor(550, "5.0.0", "User unknown"));
    }

    [Fact]
    public void Generic_enhanced_code_applies_when_the_text_says_nothing_known()
    {
        Assert.Equal(BounceReason.PolicyViolation, Classifier.ReasonFor(550, "5.7.1", "Go away"));
        Assert.Equal(BounceReason.Suspend, Classifier.ReasonFor(550, "5.2.1", "Nope"));
    }

    [Fact]
    public void Reply_code_is_the_last_resort()
    {
        Assert.Equal(BounceReason.MailboxFull, Classifier.ReasonFor(552, "5.0.0", "Nope"));
        Assert.Equal(BounceReason.Undefined, Classifier.ReasonFor(550, "5.0.0", "Nope"));
        Assert.Equal(BounceReason.Undefined, Classifier.ReasonFor(null, null, ""));
    }

    [Fact]
    public void Enhanced_code_argument_wins_over_a_code_in_the_text()
    {
        Assert.Equal(BounceReason.MailboxFull, Classifier.ReasonFor(550, "5.2.2", "5.1.1 whatever"));
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("")]
    [InlineData("5.1")]
    public void Malformed_enhanced_code_argument_falls_back_to_the_text(string enhancedCode)
    {
        Assert.Equal(BounceReason.HostUnknown, Classifier.ReasonFor(550, enhancedCode, "5.1.2 bad destination system"));
    }

    [Fact]
    public void ReasonFor_works_without_a_reply_code_for_dsn_parsing()
    {
        Assert.Equal(BounceReason.Expired, Classifier.ReasonFor(null, "4.4.7", ""));
        Assert.Equal(BounceReason.UserUnknown, Classifier.ReasonFor(null, null, "smtp; 550 5.1.1 <a@example.jp>... User Unknown"));
    }

    [Fact]
    public void Greylisting_sent_as_a_permanent_reply_is_still_deferred()
    {
        var result = Classifier.ClassifyReply(550, null, "Greylisted, please try again in 5 minutes");

        Assert.Equal(new ClassificationResult(DeliveryOutcome.Deferred, BounceReason.PolicyViolation, Hard: false, Ambiguous: false), result);
    }

    [Fact]
    public void Hard_is_only_ever_true_for_bounces()
    {
        foreach (var row in RealWorldReplies)
        {
            var (code, text) = ((int)row[0]!, (string)row[1]!);
            var result = Classifier.ClassifyReply(code, null, text);
            Assert.True(!result.Hard || result.Outcome == DeliveryOutcome.Bounced, $"{code} {text}");
        }

        Assert.False(Classifier.ClassifyReply(450, null, "4.1.1 User unknown").Hard);
    }

    [Theory]
    [InlineData(TransportFailure.ConnectionRefused, DeliveryOutcome.Deferred, BounceReason.NetworkError, false, false)]
    [InlineData(TransportFailure.ConnectionReset, DeliveryOutcome.Deferred, BounceReason.NetworkError, false, false)]
    [InlineData(TransportFailure.Timeout, DeliveryOutcome.Deferred, BounceReason.NetworkError, false, false)]
    [InlineData(TransportFailure.TimeoutAfterData, DeliveryOutcome.Deferred, BounceReason.NetworkError, false, true)]
    [InlineData(TransportFailure.DnsFailure, DeliveryOutcome.Deferred, BounceReason.NetworkError, false, false)]
    [InlineData(TransportFailure.HostNotFound, DeliveryOutcome.Bounced, BounceReason.HostUnknown, true, false)]
    [InlineData(TransportFailure.TlsFailure, DeliveryOutcome.Deferred, BounceReason.FailedStarttls, false, false)]
    [InlineData(TransportFailure.TlsRequiredButUnavailable, DeliveryOutcome.Deferred, BounceReason.FailedStarttls, false, false)]
    [InlineData(TransportFailure.ProtocolError, DeliveryOutcome.Deferred, BounceReason.SystemError, false, false)]
    public void Transport_failures_are_classified(TransportFailure failure, DeliveryOutcome outcome, BounceReason reason, bool hard, bool ambiguous)
    {
        Assert.Equal(new ClassificationResult(outcome, reason, hard, ambiguous), Classifier.ClassifyTransportFailure(failure));
    }

    [Fact]
    public void Every_transport_failure_is_classified()
    {
        foreach (var failure in Enum.GetValues<TransportFailure>())
        {
            Assert.NotNull(Classifier.ClassifyTransportFailure(failure).Reason);
        }
    }

    [Fact]
    public void Default_table_is_version_2_and_reasonably_broad()
    {
        Assert.Equal("2", Classifier.RulesVersion);
        Assert.InRange(Classifier.RuleCount, 60, 200);
        Assert.Same(ReplyClassifier.Default, Classifier);
    }
}
