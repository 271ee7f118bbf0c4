using EmailRelay.Classification;
using EmailRelay.Data;
using EmailRelay.Sender.Delivery;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.UnitTests.Sender;

public sealed class AttemptPlannerTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ExpiresAt = Now.AddHours(72);
    private static readonly AttemptPlanner Planner =
        new(ReplyClassifier.Default, RetrySchedule.Parse("1m,5m,15m,30m,1h,2h,4h", 0.1));

    private static readonly Func<double> NoJitter = () => 0;

    private const string Ana = "ana@example.net";
    private const string Bob = "bob@example.org";

    private static LeasedDelivery Delivery(DateTimeOffset? expiresAt = null, params LeasedRecipient[] recipients) =>
        new(Guid.Parse("0195a3b4-5c6d-7e8f-9012-3456789abcde"), Guid.NewGuid(), Now.AddMinutes(10), "bounces@acme.example",
            expiresAt ?? ExpiresAt, [], recipients.Length == 0 ? [new LeasedRecipient(0, Ana, 0)] : recipients);

    private static TransactionResult Result(
        Dictionary<string, SmtpReplyInfo>? recipientReplies = null,
        SmtpReplyInfo? transactionReply = null,
        bool senderRefused = false,
        TransportFailure? failure = null,
        string? failureDetail = null) =>
        new(Now, TimeSpan.FromMilliseconds(120), "smtp.example.net", "192.0.2.10", Tls: true,
            recipientReplies ?? new Dictionary<string, SmtpReplyInfo>(StringComparer.OrdinalIgnoreCase),
            transactionReply, senderRefused, failure, failureDetail);

    private static Dictionary<string, SmtpReplyInfo> Rcpt(params (string Address, int Code, string Response)[] replies) =>
        replies.ToDictionary(r => r.Address, r => SmtpReplyInfo.From(r.Code, r.Response), StringComparer.OrdinalIgnoreCase);

    private static TransactionResult Accepted() =>
        Result(Rcpt((Ana, 250, "2.1.5 Ok")), SmtpReplyInfo.From(250, "2.0.0 Ok: queued as ABC123"));

    private static TransactionResult TempFailure() =>
        Result(Rcpt((Ana, 250, "2.1.5 Ok")), SmtpReplyInfo.From(451, "4.3.0 Temporary failure, try again later"));

    // ---- delivered and bounced ---------------------------------------------------------------

    [Fact]
    public void A_250_after_data_is_delivered_now()
    {
        var update = Assert.Single(Planner.Plan(Delivery(), Accepted(), Now, NoJitter));

        Assert.Equal(RecipientStatus.Delivered, update.Status);
        Assert.Equal("delivered", update.Outcome);
        Assert.Equal(Now, update.DeliveredAt);
        Assert.Null(update.NextAttemptAt);
        Assert.Null(update.Reason);
        Assert.False(update.Hard);
        Assert.False(update.Ambiguous);
        Assert.True(update.Attempted);
        Assert.Equal(1, update.Attempt);
        Assert.Equal(250, update.ReplyCode);
        Assert.Equal("2.0.0", update.EnhancedCode);
        Assert.Equal("250 2.0.0 Ok: queued as ABC123", update.Reply);
    }

    [Fact]
    public void One_recipient_refused_at_rcpt_bounces_while_the_other_is_delivered()
    {
        var delivery = Delivery(null, new LeasedRecipient(0, Ana, 0), new LeasedRecipient(1, Bob, 0));
        var result = Result(
            Rcpt((Ana, 550, "5.1.1 <ana@example.net>: Recipient address rejected: User unknown"), (Bob, 250, "2.1.5 Ok")),
            SmtpReplyInfo.From(250, "2.0.0 Ok: queued"));

        var updates = Planner.Plan(delivery, result, Now, NoJitter);

        Assert.Equal(2, updates.Count);
        var ana = updates.Single(u => u.Address == Ana);
        Assert.Equal(RecipientStatus.Bounced, ana.Status);
        Assert.Equal(BounceReason.UserUnknown, ana.Reason);
        Assert.True(ana.Hard);
        Assert.Equal(550, ana.ReplyCode);
        Assert.Equal("5.1.1", ana.EnhancedCode);
        Assert.StartsWith("550 5.1.1", ana.Reply, StringComparison.Ordinal);
        Assert.Null(ana.DeliveredAt);
        Assert.Null(ana.NextAttemptAt);
        var bob = updates.Single(u => u.Address == Bob);
        Assert.Equal(RecipientStatus.Delivered, bob.Status);
        Assert.Equal(Now, bob.DeliveredAt);
        Assert.Equal((short)1, bob.Ordinal);
    }

    [Fact]
    public void Rcpt_replies_are_matched_to_recipients_whatever_the_case()
    {
        var delivery = Delivery(null, new LeasedRecipient(0, "Ana@Example.NET", 0));
        var result = Result(Rcpt((Ana, 550, "5.1.1 User unknown")), null);

        Assert.Equal(RecipientStatus.Bounced, Assert.Single(Planner.Plan(delivery, result, Now, NoJitter)).Status);
    }

    [Fact]
    public void A_5xx_after_data_bounces_every_accepted_recipient()
    {
        var delivery = Delivery(null, new LeasedRecipient(0, Ana, 0), new LeasedRecipient(1, Bob, 2));
        var result = Result(Rcpt((Ana, 250, "Ok"), (Bob, 250, "Ok")), SmtpReplyInfo.From(552, "5.3.4 Message size exceeds fixed limit"));

        var updates = Planner.Plan(delivery, result, Now, NoJitter);

        Assert.All(updates, u =>
        {
            Assert.Equal(RecipientStatus.Bounced, u.Status);
            Assert.Equal(BounceReason.MesgTooBig, u.Reason);
            Assert.False(u.Hard);
        });
        Assert.Equal([1, 3], updates.Select(u => u.Attempt));
    }

    [Fact]
    public void Mail_from_refused_with_5_1_1_bounces_but_never_hard()
    {
        var delivery = Delivery(null, new LeasedRecipient(0, Ana, 0), new LeasedRecipient(1, Bob, 0));
        var result = Result(null, SmtpReplyInfo.From(550, "5.1.1 <bounces@acme.example>: Sender address rejected: User unknown"),
            senderRefused: true);

        var updates = Planner.Plan(delivery, result, Now, NoJitter);

        Assert.All(updates, u =>
        {
            Assert.Equal(RecipientStatus.Bounced, u.Status);
            Assert.Equal(BounceReason.UserUnknown, u.Reason);
            Assert.False(u.Hard);
            Assert.Equal(550, u.ReplyCode);
        });
    }

    [Fact]
    public void A_rcpt_5_1_1_stays_hard_even_when_the_transaction_reply_was_a_sender_refusal()
    {
        var result = Result(Rcpt((Ana, 550, "5.1.1 User unknown")), SmtpReplyInfo.From(550, "5.7.1 Sender rejected"), senderRefused: true);

        var update = Assert.Single(Planner.Plan(Delivery(), result, Now, NoJitter));

        Assert.Equal(BounceReason.UserUnknown, update.Reason);
        Assert.True(update.Hard);
    }

    // ---- deferrals ---------------------------------------------------------------------------

    [Fact]
    public void A_451_defers_to_the_first_delay()
    {
        var update = Assert.Single(Planner.Plan(Delivery(), TempFailure(), Now, NoJitter));

        Assert.Equal(RecipientStatus.Deferred, update.Status);
        Assert.Equal("deferred", update.Outcome);
        Assert.Equal(Now.AddMinutes(1), update.NextAttemptAt);
        Assert.Null(update.DeliveredAt);
        Assert.Equal(451, update.ReplyCode);
        Assert.Equal("4.3.0", update.EnhancedCode);
        Assert.False(update.Hard);
        Assert.True(update.Attempted);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 15)]
    [InlineData(6, 240)]
    [InlineData(20, 240)]
    public void Later_attempts_use_their_own_delay(int previousAttempts, int minutes)
    {
        var delivery = Delivery(null, new LeasedRecipient(0, Ana, previousAttempts));

        var update = Assert.Single(Planner.Plan(delivery, TempFailure(), Now, NoJitter));

        Assert.Equal(previousAttempts + 1, update.Attempt);
        Assert.Equal(Now.AddMinutes(minutes), update.NextAttemptAt);
    }

    [Fact]
    public void Jitter_from_the_random_source_lengthens_the_delay()
    {
        var update = Assert.Single(Planner.Plan(Delivery(), TempFailure(), Now, () => 1));

        Assert.Equal(Now.AddSeconds(66), update.NextAttemptAt);
    }

    [Fact]
    public void The_random_source_is_only_asked_for_deferrals()
    {
        var update = Assert.Single(Planner.Plan(Delivery(), Accepted(), Now, () => throw new InvalidOperationException("not needed")));

        Assert.Equal(RecipientStatus.Delivered, update.Status);
    }

    [Fact]
    public void A_4xx_at_rcpt_defers_that_recipient_only()
    {
        var delivery = Delivery(null, new LeasedRecipient(0, Ana, 0), new LeasedRecipient(1, Bob, 0));
        var result = Result(Rcpt((Ana, 452, "4.2.2 Mailbox full"), (Bob, 250, "Ok")), SmtpReplyInfo.From(250, "2.0.0 Ok"));

        var updates = Planner.Plan(delivery, result, Now, NoJitter);

        Assert.Equal(RecipientStatus.Deferred, updates.Single(u => u.Address == Ana).Status);
        Assert.Equal(BounceReason.MailboxFull, updates.Single(u => u.Address == Ana).Reason);
        Assert.Equal(RecipientStatus.Delivered, updates.Single(u => u.Address == Bob).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3600)]
    public void A_deferral_at_or_past_the_expiry_fails_as_expired(int secondsPastExpiry)
    {
        var now = ExpiresAt.AddSeconds(secondsPastExpiry);

        var update = Assert.Single(Planner.Plan(Delivery(), TempFailure(), now, NoJitter));

        Assert.Equal(RecipientStatus.Failed, update.Status);
        Assert.Equal(BounceReason.Expired, update.Reason);
        Assert.False(update.Hard);
        Assert.Null(update.NextAttemptAt);
        Assert.Equal(451, update.ReplyCode);
        Assert.True(update.Attempted);
    }

    [Fact]
    public void A_bounce_after_the_expiry_is_still_a_bounce()
    {
        var result = Result(Rcpt((Ana, 550, "5.1.1 User unknown")), null);

        var update = Assert.Single(Planner.Plan(Delivery(), result, ExpiresAt.AddMinutes(1), NoJitter));

        Assert.Equal(RecipientStatus.Bounced, update.Status);
        Assert.Equal(BounceReason.UserUnknown, update.Reason);
    }

    [Fact]
    public void The_next_attempt_is_capped_at_the_expiry()
    {
        var now = ExpiresAt.AddSeconds(-30);

        var update = Assert.Single(Planner.Plan(Delivery(), TempFailure(), now, NoJitter));

        Assert.Equal(RecipientStatus.Deferred, update.Status);
        Assert.Equal(ExpiresAt, update.NextAttemptAt);
    }

    [Fact]
    public void A_timeout_after_data_is_deferred_and_ambiguous()
    {
        var result = Result(Rcpt((Ana, 250, "Ok")), null, failure: TransportFailure.TimeoutAfterData,
            failureDetail: "connection lost after DATA, before the final reply: timed out");

        var update = Assert.Single(Planner.Plan(Delivery(), result, Now, NoJitter));

        Assert.Equal(RecipientStatus.Deferred, update.Status);
        Assert.True(update.Ambiguous);
        Assert.Equal(BounceReason.NetworkError, update.Reason);
        Assert.Equal(Now.AddMinutes(1), update.NextAttemptAt);
    }

    [Fact]
    public void A_refused_connection_is_deferred_with_the_failure_detail_as_reply()
    {
        var result = Result(failure: TransportFailure.ConnectionRefused, failureDetail: "connection refused: 192.0.2.10:25");

        var update = Assert.Single(Planner.Plan(Delivery(), result, Now, NoJitter));

        Assert.Equal(RecipientStatus.Deferred, update.Status);
        Assert.Null(update.ReplyCode);
        Assert.Null(update.EnhancedCode);
        Assert.Equal("connection refused: 192.0.2.10:25", update.Reply);
        Assert.Equal(BounceReason.NetworkError, update.Reason);
        Assert.False(update.Ambiguous);
        Assert.Equal(Now.AddMinutes(1), update.NextAttemptAt);
    }

    [Theory]
    [InlineData(TransportFailure.ConnectionReset, BounceReason.NetworkError)]
    [InlineData(TransportFailure.Timeout, BounceReason.NetworkError)]
    [InlineData(TransportFailure.DnsFailure, BounceReason.NetworkError)]
    [InlineData(TransportFailure.TlsFailure, BounceReason.FailedStarttls)]
    [InlineData(TransportFailure.TlsRequiredButUnavailable, BounceReason.FailedStarttls)]
    [InlineData(TransportFailure.ProtocolError, BounceReason.SystemError)]
    public void Transport_failures_are_deferred_and_not_ambiguous(TransportFailure failure, BounceReason reason)
    {
        var update = Assert.Single(Planner.Plan(Delivery(), Result(failure: failure, failureDetail: "detail"), Now, NoJitter));

        Assert.Equal(RecipientStatus.Deferred, update.Status);
        Assert.Equal(reason, update.Reason);
        Assert.False(update.Ambiguous);
        Assert.Equal("detail", update.Reply);
    }

    [Fact]
    public void Every_leased_recipient_gets_exactly_one_update_in_order()
    {
        var delivery = Delivery(null, new LeasedRecipient(3, Ana, 0), new LeasedRecipient(7, Bob, 1));

        var updates = Planner.Plan(delivery, Result(failure: TransportFailure.ConnectionReset, failureDetail: "reset"), Now, NoJitter);

        Assert.Equal([(short)3, (short)7], updates.Select(u => u.Ordinal));
        Assert.Equal([Now.AddMinutes(1), Now.AddMinutes(5)], updates.Select(u => u.NextAttemptAt!.Value));
    }

    // ---- expiry without an attempt -----------------------------------------------------------

    [Fact]
    public void Expire_fails_every_recipient_without_an_attempt()
    {
        var delivery = Delivery(null, new LeasedRecipient(0, Ana, 4), new LeasedRecipient(1, Bob, 0));

        var updates = AttemptPlanner.Expire(delivery);

        Assert.Equal(2, updates.Count);
        Assert.All(updates, u =>
        {
            Assert.Equal(RecipientStatus.Failed, u.Status);
            Assert.Equal(BounceReason.Expired, u.Reason);
            Assert.False(u.Attempted);
            Assert.False(u.Hard);
            Assert.Null(u.ReplyCode);
            Assert.Null(u.NextAttemptAt);
        });
        Assert.Equal([4, 0], updates.Select(u => u.Attempt));
    }

    [Fact]
    public void Expire_keeps_the_reply_that_last_deferred_the_recipient_as_its_explanation()
    {
        var delivery = Delivery(null,
            new LeasedRecipient(0, Ana, 3, 451, "4.7.1", "451 4.7.1 Greylisted"),
            new LeasedRecipient(1, Bob, 0));

        var updates = AttemptPlanner.Expire(delivery);

        Assert.Equal(451, updates[0].ReplyCode);
        Assert.Equal("4.7.1", updates[0].EnhancedCode);
        Assert.Equal("451 4.7.1 Greylisted", updates[0].Reply);
        Assert.Null(updates[1].ReplyCode);
        Assert.Contains("before any delivery attempt", updates[1].Reply, StringComparison.Ordinal);
    }

    [Fact]
    public void A_5xx_greeting_defers_as_postfix_skips_it_and_keeps_the_reply()
    {
        var result = Result(transactionReply: SmtpReplyInfo.From(554, "5.7.1 mx.example.net: no SMTP service here")) with { ConnectFailed = true };

        var update = Assert.Single(Planner.Plan(Delivery(), result, Now, NoJitter));

        Assert.Equal(RecipientStatus.Deferred, update.Status);
        Assert.False(update.Hard);
        Assert.Equal("554 5.7.1 mx.example.net: no SMTP service here", update.Reply);
    }

    [Fact]
    public void Nxdomain_or_null_mx_bounces_host_unknown_and_servfail_defers()
    {
        var unknown = Assert.Single(Planner.Plan(Delivery(), Result(failure: TransportFailure.HostNotFound,
            failureDetail: "nowhere.example publishes a null MX (RFC 7505): it accepts no mail"), Now, NoJitter));
        var servfail = Assert.Single(Planner.Plan(Delivery(), Result(failure: TransportFailure.DnsFailure,
            failureDetail: "MX lookup for flaky.example failed: SERVFAIL"), Now, NoJitter));

        Assert.Equal(RecipientStatus.Bounced, unknown.Status);
        Assert.Equal(BounceReason.HostUnknown, unknown.Reason);
        Assert.True(unknown.Hard);
        Assert.Equal(RecipientStatus.Deferred, servfail.Status);
        Assert.Contains("SERVFAIL", servfail.Reply, StringComparison.Ordinal);
    }
}
