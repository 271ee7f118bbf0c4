using EmailRelay.Classification;
using EmailRelay.Contracts;
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
    SmtpSessionFactory smtp,
    OutgoingMessageFactory outgoing,
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
        var delivery = await store.LeaseAsync(messageId, time.GetUtcNow(), options.Value.LeaseDuration, context.CancellationToken);
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

        var envelopes = returnPath.Envelopes(delivery);
        await using var heartbeat = new LeaseHeartbeat(store, delivery, options.Value.LeaseDuration, time, logger);
        // Cancelled when the shutdown grace is over (MassTransit's ConsumerStopTimeout) or the
        // lease was taken over; a session honours it only until DATA, never once the message may
        // be with the remote.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, heartbeat.Lost);
        await using var session = smtp.Open();
        MimeMessage? message = null;
        for (var i = 0; i < envelopes.Count; i++)
        {
            // With VERP each recipient has its own transaction, one after another on the session.
            var envelope = envelopes[i];
            var part = envelopes.Count == 1 ? delivery : delivery with { Recipients = envelope.Recipients };
            TransactionResult result;
            try
            {
                message ??= await outgoing.CreateAsync(delivery.MessageId, delivery.ProjectId, delivery.EnvelopeFrom, delivery.AcceptedAt, delivery.Mime, abandon.Token);
                result = await session.RunAsync(message, envelope.From, envelope.Recipients.Select(r => r.Address).ToList(), abandon.Token);
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
                LogReleased(logger, messageId, envelopes.Skip(i).Sum(e => e.Recipients.Count));
                return;
            }
            if (i == envelopes.Count - 1)
            {
                // This record releases what is left of the lease: a renewal after it would find
                // nothing and read as a takeover.
                await heartbeat.StopAsync();
            }
            // Recorded before the next transaction starts: a sender killed between two recipients
            // resends only what it had not recorded.
            var now = time.GetUtcNow();
            var updates = planner.Plan(part, result, now, Random.Shared.NextDouble);
            await RecordWithRetriesAsync(part, result, updates, now, heartbeat.LeasedUntil);
            metrics.Record(updates, result.Duration);
            LogAttempt(logger, messageId, part.Recipients.Count, string.Join(',', updates.Select(u => u.Status).Distinct()),
                result.TransactionReply?.Code ?? result.RecipientReplies.Values.FirstOrDefault()?.Code, result.Failure?.ToString());
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
                await store.RecordAsync(delivery, result, updates, now, CancellationToken.None);
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
