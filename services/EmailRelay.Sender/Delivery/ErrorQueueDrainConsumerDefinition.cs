using MassTransit;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// A receive endpoint on MassTransit's error queue for <c>deliver-message</c>. It must not bind the
/// DeliverMessage exchange: only faulted commands belong there, not every published one.
/// </summary>
public sealed class ErrorQueueDrainConsumerDefinition : ConsumerDefinition<ErrorQueueDrainConsumer>
{
    private readonly SenderOptions _options;

    public ErrorQueueDrainConsumerDefinition(IOptions<SenderOptions> options)
    {
        _options = options.Value;
        EndpointName = DeliverMessageConsumerDefinition.QueueName + "_error";
        ConcurrentMessageLimit = 4;
        Endpoint(e => e.ConfigureConsumeTopology = false);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ErrorQueueDrainConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            DeliverQueueArguments.Apply(rabbit, _options);
            rabbit.PrefetchCount = 4;
        }
        // The database is what failed the command in the first place: wait for it rather than
        // move the command one queue further (deliver-message_error_error).
        endpointConfigurator.UseMessageRetry(r => r.Exponential(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)));
    }
}
