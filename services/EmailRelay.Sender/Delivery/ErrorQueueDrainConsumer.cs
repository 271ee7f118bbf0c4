using EmailRelay.Contracts;
using EmailRelay.Data;
using MassTransit;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Reads <c>deliver-message_error</c>, where MassTransit puts a command whose consume failed after
/// every retry: each one is put back into the outbox (due after a delay) and counted, so nothing
/// that lands there is forgotten. The command itself carries no state, so dropping it is safe once
/// the outbox owes a new one.
/// </summary>
public sealed partial class ErrorQueueDrainConsumer(
    Outbox outbox,
    DeliveryMetrics metrics,
    TimeProvider time,
    ILogger<ErrorQueueDrainConsumer> logger) : IConsumer<DeliverMessage>
{
    public async Task Consume(ConsumeContext<DeliverMessage> context)
    {
        var messageId = context.Message.MessageId;
        var owed = await outbox.RequeueFromErrorQueueAsync(messageId, time.GetUtcNow(), context.CancellationToken);
        metrics.DrainedFromErrorQueue(owed);
        var reason = context.Headers.Get<string>("MT-Fault-Message") ?? "unknown";
        LogDrained(logger, messageId, owed, outbox.Options.ErrorQueueRequeueDelay, reason);
    }

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning,
        Message = "Command for message {MessageId} was in the error queue; back in the outbox: {Owed} (due in {Delay}); fault: {Fault}")]
    private static partial void LogDrained(ILogger logger, Guid messageId, bool owed, TimeSpan delay, string fault);
}
