using EmailRelay.Classification;

namespace EmailRelay.UnitTests.Classification;

public sealed class DsnClassificationTests
{
    private static readonly ReplyClassifier Classifier = ReplyClassifier.Default;

    [Theory]
    [InlineData(DsnAction.Delivered)]
    [InlineData(DsnAction.Relayed)]
    [InlineData(DsnAction.Expanded)]
    public void Success_actions_are_delivered_whatever_the_codes(DsnAction action)
    {
        var result = Classifier.ClassifyDsn("5.1.1", 550, "550 5.1.1 user unknown", action);

        Assert.Equal((DeliveryOutcome.Delivered, (BounceReason?)null, false), (result.Outcome, result.Reason, result.Hard));
    }

    [Fact]
    public void The_action_decides_the_outcome_and_the_rules_the_reason()
    {
        var failed = Classifier.ClassifyDsn("5.1.1", 550, "550 5.1.1 <a@example.org>... User unknown", DsnAction.Failed);
        var delayed = Classifier.ClassifyDsn("4.2.2", 452, "452 4.2.2 Mailbox full", DsnAction.Delayed);

        Assert.Equal((DeliveryOutcome.Bounced, BounceReason.UserUnknown, true), (failed.Outcome, failed.Reason, failed.Hard));
        Assert.Equal((DeliveryOutcome.Deferred, BounceReason.MailboxFull, false), (delayed.Outcome, delayed.Reason, delayed.Hard));
    }

    [Fact]
    public void Without_an_action_the_code_class_decides()
    {
        Assert.Equal(DeliveryOutcome.Deferred, Classifier.ClassifyDsn("4.4.1", null, null, null).Outcome);
        Assert.Equal(DeliveryOutcome.Bounced, Classifier.ClassifyDsn(null, 550, "550 no", null).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, Classifier.ClassifyDsn("2.0.0", 250, "250 ok", null).Outcome);
    }

    [Theory]
    [InlineData("4.4.1", null, "connect to mx.example.org[192.0.2.1]:25: Connection timed out")]
    [InlineData("4.0.0", null, "")]
    [InlineData(null, null, "The recipient server did not accept our requests to connect.")]
    [InlineData("5.4.7", null, "delivery time expired")]
    public void A_queue_that_gave_up_reports_expired(string? status, int? reply, string text)
    {
        var result = Classifier.ClassifyDsn(status, reply, text, DsnAction.Failed);

        Assert.Equal((DeliveryOutcome.Bounced, BounceReason.Expired, false), (result.Outcome, result.Reason, result.Hard));
    }

    [Fact]
    public void A_delay_notice_with_nothing_to_say_is_the_queue_ageing()
    {
        Assert.Equal(BounceReason.Expired, Classifier.ClassifyDsn(null, null, "Message will be retried for 2 more day(s)", DsnAction.Delayed).Reason);
    }

    [Fact]
    public void A_final_report_that_says_nothing_readable_is_on_hold_not_suppressed()
    {
        var result = Classifier.ClassifyDsn("5.0.0", null, "", DsnAction.Failed);

        Assert.Equal((BounceReason.OnHold, false), (result.Reason, result.Hard));
    }

    [Fact]
    public void A_refusal_before_rcpt_is_about_the_sender_or_the_client()
    {
        var atMailFrom = Classifier.ClassifyDsn("5.1.8", 553, "553 5.1.8 Domain of sender address does not exist", DsnAction.Failed, SmtpCommand.MailFrom);
        var atGreeting = Classifier.ClassifyDsn(null, 550, "550 no such user here", DsnAction.Failed, SmtpCommand.Connect);

        Assert.Equal((BounceReason.Rejected, false), (atMailFrom.Reason, atMailFrom.Hard));
        Assert.Equal((BounceReason.Blocked, false), (atGreeting.Reason, atGreeting.Hard));
    }

    [Fact]
    public void Unknown_user_words_after_data_are_a_filter_but_a_5_1_1_stays_a_verdict()
    {
        var words = Classifier.ClassifyDsn("5.0.0", 550, "550 User unknown", DsnAction.Failed, SmtpCommand.Data);
        var code = Classifier.ClassifyDsn("5.1.1", 550, "550 5.1.1 User unknown", DsnAction.Failed, SmtpCommand.Data);

        Assert.Equal((BounceReason.Filtered, false), (words.Reason, words.Hard));
        Assert.Equal((BounceReason.UserUnknown, true), (code.Reason, code.Hard));
    }

    [Fact]
    public void Unknown_user_given_as_a_mailbox_status_is_a_filter_unless_rcpt_was_refused()
    {
        Assert.Equal(BounceReason.Filtered, Classifier.ClassifyDsn("5.2.1", 550, "550 5.2.1 User Unknown", DsnAction.Failed).Reason);
        Assert.Equal(BounceReason.UserUnknown, Classifier.ClassifyDsn("5.2.1", 550, "550 5.2.1 User Unknown", DsnAction.Failed, SmtpCommand.RcptTo).Reason);
    }

    [Fact]
    public void A_local_delivery_programs_failure_is_a_mailer_error_unless_it_names_a_full_mailbox()
    {
        Assert.Equal(BounceReason.MailerError, Classifier.ClassifyDsn("5.1.1", null, "procmail: Couldn't create \"/var/mail/x\": No such user", DsnAction.Failed, diagnosticType: "x-unix").Reason);
        Assert.Equal(BounceReason.MailboxFull, Classifier.ClassifyDsn("5.2.2", null, "maildrop: maildir over quota.", DsnAction.Failed, diagnosticType: "x-unix").Reason);
    }

    [Fact]
    public void Not_accept_is_hard_with_a_permanent_status_even_without_a_reply_code()
    {
        var result = Classifier.ClassifyDsn("5.1.10", null, "The domain example.org doesn't receive email: returned Null MX", DsnAction.Failed);

        Assert.Equal((BounceReason.NotAccept, true), (result.Reason, result.Hard));
    }

    [Theory]
    [InlineData(BounceReason.UserUnknown, 5, "5.1.1")]
    [InlineData(BounceReason.Expired, 4, "4.4.7")]
    [InlineData(BounceReason.NotAccept, 5, "5.1.10")]
    [InlineData(BounceReason.OnHold, 5, "5.0.0")]
    [InlineData(null, 2, "2.0.0")]
    public void A_missing_status_is_derived_from_the_reason(BounceReason? reason, int statusClass, string expected)
    {
        Assert.Equal(expected, ReplyClassifier.DeriveStatus(reason, statusClass));
    }

    [Theory]
    [InlineData("failed", DsnAction.Failed)]
    [InlineData("Delayed", DsnAction.Delayed)]
    [InlineData(" failed (bad destination mailbox address)", DsnAction.Failed)]
    [InlineData("relayed; via gateway", DsnAction.Relayed)]
    public void Action_field_values_are_read_leniently(string value, DsnAction expected)
    {
        Assert.True(DsnActionNames.TryParse(value, out var action));
        Assert.Equal(expected, action);
    }

    [Fact]
    public void Every_derived_status_is_a_valid_enhanced_code()
    {
        foreach (var reason in Enum.GetValues<BounceReason>())
        {
            var status = ReplyClassifier.DeriveStatus(reason, 5);
            Assert.Equal(status, ReplyClassifier.ExtractEnhancedCode(status));
        }
    }
}
