using EmailRelay.Classification;
using EmailRelay.Contracts;
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
    SmtpTransactionRunner smtp,
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

        if (time.GetUtcNow() >= delivery.ExpiresAt)
        {
            var expired = AttemptPlanner.Expire(delivery);
            await RecordWithRetriesAsync(delivery, null, expired, time.GetUtcNow());
            metrics.Record(expired, null);
            return;
        }

        TransactionResult result;
        try
        {
            var message = await MimeMessage.LoadAsync(new MemoryStream(delivery.Mime, writable: false), context.CancellationToken);
            result = await smtp.RunAsync(message, delivery.EnvelopeFrom, delivery.Recipients.Select(r => r.Address).ToList(), context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Shutting down before the transaction finished: hand the recipients back now rather
            // than make them wait out the lease. Nothing was sent (a send that reached DATA is
            // reported as a result, never as a cancellation).
            await store.ReleaseAsync(delivery, CancellationToken.None);
            throw;
        }

        var now = time.GetUtcNow();
        var updates = planner.Plan(delivery, result, now, Random.Shared.NextDouble);
        await RecordWithRetriesAsync(delivery, result, updates, now);
        metrics.Record(updates, result.Duration);
        LogAttempt(logger, messageId, delivery.Recipients.Count, string.Join(',', updates.Select(u => u.Status).Distinct()),
            result.TransactionReply?.Code ?? result.RecipientReplies.Values.FirstOrDefault()?.Code, result.Failure?.ToString());
    }

    /// <summary>
    /// The remote has answered: losing this write now would mean delivering again after the lease
    /// (a duplicate), so a brief database outage is waited out rather than handed to the broker.
    /// Not the consume token either: the outcome must be written even while stopping.
    /// </summary>
    private async Task RecordWithRetriesAsync(LeasedDelivery delivery, TransactionResult? result, IReadOnlyList<RecipientUpdate> updates,
        DateTimeOffset now)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.RecordAsync(delivery, result, updates, now, CancellationToken.None);
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException && time.GetUtcNow() + delay < delivery.LeasedUntil)
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

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Recording the outcome of {MessageId} failed (try {Attempt}): {Error}; retrying")]
    private static partial void LogRecordRetry(ILogger logger, Guid messageId, int attempt, string error);

}
