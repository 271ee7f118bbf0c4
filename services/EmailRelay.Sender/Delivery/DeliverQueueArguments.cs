using MassTransit;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// The arguments <c>deliver-message</c> is declared with. MassTransit declares its error queue with
/// the receive queue's arguments, so the error-queue drain declares <c>deliver-message_error</c>
/// with the same ones: whichever comes first, the second declare matches.
/// </summary>
public static class DeliverQueueArguments
{
    public static void Apply(IRabbitMqReceiveEndpointConfigurator endpoint, SenderOptions options)
    {
        endpoint.SetQuorumQueue();
        // A full queue refuses the publish (a nack, so the publisher keeps the command in the
        // outbox) instead of dropping the oldest command.
        endpoint.SetQueueArgument("x-max-length", options.QueueMaxLength);
        endpoint.SetQueueArgument("x-overflow", "reject-publish");
    }
}
