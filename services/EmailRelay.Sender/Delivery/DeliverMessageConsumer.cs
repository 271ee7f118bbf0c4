using EmailRelay.Classification;
using EmailRelay.Contracts;
using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Signing;
using EmailRelay.Sender.Smtp;
using MassTransit;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Lease, send, record (DESIGN.md §3.3–3.4). The command only names the message: whatever it
/// finds due in PostgreSQL is what it delivers, so duplicates are harmless. Outcomes are not
/// published afterwards: the timeline events, committed with the state change, are the record
/// Tracking reads — a second, best-effort copy on the bus would be a dual write.
/// </summary>
public sealed partial class DeliverMessageConsumer(
    DeliveryStore store,
    LeaseGroupCommit leases,
    RecordGroupCommit recorder,
    Router router,
    DestinationResolver resolver,
    SmtpPoolRegistry pools,
    OutgoingMessageFactory outgoing,
    DestinationPacing pacing,
    ReturnPath returnPath,
    AttemptPlanner planner,
    DeliveryMetrics metrics,
    TimeProvider time,
    IOptions<DeliveryOptions> options,
    ILogger<DeliverMessageConsumer> logger) : IConsumer<DeliverMessage>
{
    public async Task Consume(ConsumeContext<DeliverMessage> context)
    {
        var messageId = context.Message.MessageId;
        var delivery = await leases.LeaseAsync(messageId, time.GetUtcNow(), options.Value.LeaseDuration);
        if (delivery is null)
        {
            metrics.NothingToLease();
            return;
        }
        metrics.TakenOver(delivery.Recipients.Count(r => r.TakenOverFromLapsedLease));

        if (time.GetUtcNow() >= delivery.ExpiresAt)
        {
            var expired = AttemptPlanner.Expire(delivery);
            await RecordWithRetriesAsync(delivery, null, expired, time.GetUtcNow(), delivery.LeasedUntil);
            metrics.Record(expired, null);
            return;
        }

        await using var heartbeat = new LeaseHeartbeat(store, delivery, options.Value.LeaseDuration, time, logger);
        // Cancelled when the shutdown grace is over (MassTransit's ConsumerStopTimeout) or the
        // lease was taken over; a session honours it only until DATA, never once the message may
        // be with the remote.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, heartbeat.Lost);
        var steps = Steps(delivery);
        DestinationSession? session = null;
        MimeMessage? message = null;
        try
        {
            for (var i = 0; i < steps.Count; i++)
            {
                // One transaction per destination; with VERP, one per recipient, one after another
                // on the destination's session.
                var step = steps[i];
                var part = delivery with { Recipients = step.Envelope.Recipients };
                TransactionResult? result;   // null: handed back untried (the domain's rate is used up)
                PaceDecision pace;
                try
                {
                    if (session?.Destination.Target != step.Target)
                    {
                        if (session is not null)
                        {
                            await session.DisposeAsync();
                        }
                        session = null;
                        session = new DestinationSession(pools, await resolver.ResolveAsync(step.Target, abandon.Token), time, logger);
                    }
                    pace = session.Destination.Failure is null ? await pacing.BeforeAsync(step.Target, abandon.Token) : PaceDecision.Go;
                    if (pace.PostponeUntil is not null)
                    {
                        result = null;
                    }
                    else if (pace.Backoff is { } backoff)
                    {
                        // The domain asked us to slow down (421, 4.7.x): no connection until the backoff ends.
                        result = DestinationPacing.BackedOff(backoff, time.GetUtcNow());
                    }
                    else if (session.Destination.Failure is { } failure)
                    {
                        // DNS said no (NXDOMAIN, null MX) or could not say (SERVFAIL, timeout): an
                        // attempt all the same, recorded and classified like a transport failure.
                        result = new TransactionResult(time.GetUtcNow(), TimeSpan.Zero, null, null, false,
                            new Dictionary<string, SmtpReplyInfo>(), null, false, failure, session.Destination.FailureDetail);
                    }
                    else if ((message ??= await BuildMessageAsync(delivery, abandon.Token)) is { } wire)
                    {
                        result = await session.RunAsync(wire, step.Envelope.From, step.Envelope.Recipients.Select(r => r.Address).ToList(),
                            abandon.Token);
                    }
                    else
                    {
                        // The domain's DKIM key cannot be used: never sent unsigned, deferred like a local tempfail.
                        result = SigningFailed(time.GetUtcNow());
                    }
                }
                catch (OperationCanceledException) when (heartbeat.Lost.IsCancellationRequested)
                {
                    // Another sender owns the recipients not yet recorded: nothing of ours to record.
                    metrics.LeaseLost();
                    return;
                }
                catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
                {
                    // The shutdown grace ran out before DATA: hand the recipients not yet recorded back,
                    // due at once, so no one waits out the lease. The consume completes normally, so
                    // this command is acked and exactly one new one follows, from another sender's dispatcher.
                    await store.ReleaseAsync(delivery, CancellationToken.None);
                    metrics.Released();
                    LogReleased(logger, messageId, steps.Skip(i).Sum(s => s.Envelope.Recipients.Count));
                    return;
                }
                if (i == steps.Count - 1)
                {
                    // This record releases what is left of the lease: a renewal after it would find
                    // nothing and read as a takeover.
                    await heartbeat.StopAsync();
                }
                if (result is null)
                {
                    var until = pace.PostponeUntil!.Value;
                    await store.PostponeAsync(part, until < delivery.ExpiresAt ? until : delivery.ExpiresAt, CancellationToken.None);
                    metrics.Postponed(part.Recipients.Count, step.Target.Name);
                    continue;
                }
                // Recorded before the next transaction starts: a sender killed between two recipients
                // resends only what it had not recorded.
                var now = time.GetUtcNow();
                var updates = planner.Plan(part, result, now, Random.Shared.NextDouble);
                if ((pace.Backoff ?? await pacing.AfterAsync(step.Target, result)) is { } pause)
                {
                    updates = DestinationPacing.NotBefore(updates, pause, delivery.ExpiresAt);
                }
                await RecordWithRetriesAsync(part, result, updates, now, heartbeat.LeasedUntil);
                metrics.Record(updates, session.Destination.Failure is null ? result.Duration : null, step.Target.Name);
                LogAttempt(logger, messageId, part.Recipients.Count, string.Join(',', updates.Select(u => u.Status).Distinct()),
                    result.TransactionReply?.Code ?? result.RecipientReplies.Values.FirstOrDefault()?.Code, result.Failure?.ToString());
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The transactions to run, in order: recipients grouped by where their mail goes (a named
    /// route, the smarthost, or their domain's MX hosts), then each group's envelopes.
    /// </summary>
    private List<(RouteTarget Target, DeliveryEnvelope Envelope)> Steps(LeasedDelivery delivery) =>
        router.Group(delivery.Recipients, r => r.Address)
            .SelectMany(g => returnPath.Envelopes(delivery with { Recipients = g.Items }).Select(e => (g.Target, e)))
            .ToList();

    private static TransactionResult SigningFailed(DateTimeOffset now) =>
        new(now, TimeSpan.Zero, null, null, false, new Dictionary<string, SmtpReplyInfo>(),
            new SmtpReplyInfo(451, "4.7.5", "451 4.7.5 local: the sending domain's DKIM key cannot be used (see the sender's log, event 2801); not sent unsigned"),
            false, null, null);

    /// <summary>
    /// The message as it goes on the wire: the stored bytes (message_contents) as they are, with the
    /// trace field and, for a verified sending domain, the DKIM signature on top. Null when the
    /// domain has a key that cannot be used (DkimKeyStore logs why).
    /// </summary>
    private async Task<MimeMessage?> BuildMessageAsync(LeasedDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            return await outgoing.CreateAsync(delivery.MessageId, delivery.ProjectId, delivery.EnvelopeFrom, delivery.AcceptedAt, delivery.Mime,
                cancellationToken);
        }
        catch (DkimSigningException)
        {
            return null;
        }
    }

    /// <summary>
    /// The remote has answered: losing this write now would mean delivering again after the lease
    /// (a duplicate), so a brief database outage is waited out rather than handed to the broker.
    /// Not the consume token either: the outcome must be written even while stopping.
    /// </summary>
    private async Task RecordWithRetriesAsync(LeasedDelivery delivery, TransactionResult? result, IReadOnlyList<RecipientUpdate> updates,
        DateTimeOffset now, DateTimeOffset leasedUntil)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await recorder.RecordAsync(new AttemptRecord(delivery, result, updates, now));
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException && time.GetUtcNow() + delay < leasedUntil)
            {
                LogRecordRetry(logger, delivery.MessageId, attempt, ex.Message);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    // Debug: one line per message is noise at volume; outcomes are in the database and the metrics.
    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug,
        Message = "Message {MessageId}: {Recipients} recipient(s) -> {Statuses} (reply {ReplyCode}, failure {Failure})")]
    private static partial void LogAttempt(ILogger logger, Guid messageId, int recipients, string statuses, int? replyCode, string? failure);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Information,
        Message = "Stopping: released the lease on {MessageId} ({Recipients} recipient(s)) before DATA; due again at once")]
    private static partial void LogReleased(ILogger logger, Guid messageId, int recipients);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Recording the outcome of {MessageId} failed (try {Attempt}): {Error}; retrying")]
    private static partial void LogRecordRetry(ILogger logger, Guid messageId, int attempt, string error);

}
