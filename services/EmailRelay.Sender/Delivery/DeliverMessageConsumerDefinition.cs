using MassTransit;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// One durable quorum queue, <c>deliver-message</c>, shared by every sender replica. Retries here
/// cover brief database hiccups only; SMTP deferrals wait in PostgreSQL, never in the broker.
/// </summary>
public sealed class DeliverMessageConsumerDefinition : ConsumerDefinition<DeliverMessageConsumer>
{
    private readonly SenderOptions _options;

    public DeliverMessageConsumerDefinition(IOptions<SenderOptions> options)
    {
        _options = options.Value;
        EndpointName = "deliver-message";
        ConcurrentMessageLimit = _options.ConcurrentDeliveries;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverMessageConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SetQuorumQueue();
            rabbit.PrefetchCount = _options.PrefetchCount;
        }
        endpointConfigurator.UseMessageRetry(r => r.Intervals(100, 500, 2000));
    }
}
