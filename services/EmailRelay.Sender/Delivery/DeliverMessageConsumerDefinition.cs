using MassTransit;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// One durable quorum queue, <c>deliver-message</c>, shared by every sender replica. Retries here
/// cover brief database outages only (a PostgreSQL restart of a few seconds is ridden out before a
/// command reaches the error queue); SMTP deferrals wait in PostgreSQL, never in the broker.
/// </summary>
public sealed class DeliverMessageConsumerDefinition : ConsumerDefinition<DeliverMessageConsumer>
{
    public const string QueueName = "deliver-message";

    private readonly SenderOptions _options;

    public DeliverMessageConsumerDefinition(IOptions<SenderOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueName;
        ConcurrentMessageLimit = _options.ConcurrentDeliveries;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverMessageConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            DeliverQueueArguments.Apply(rabbit, _options);
            rabbit.PrefetchCount = _options.ConcurrentDeliveries;
        }
        // About 16 s in all: longer than a PostgreSQL restart, shorter than the lost-command window.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(250, 500, 1000, 2000, 4000, 8000));
    }
}
