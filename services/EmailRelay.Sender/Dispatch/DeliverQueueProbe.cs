using EmailRelay.Sender.Delivery;
using EmailRelay.ServiceDefaults;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace EmailRelay.Sender.Dispatch;

/// <summary>
/// Reads how many commands wait ready in <c>deliver-message</c> with a passive queue declare (plain
/// AMQP: no management plugin needed). Its own small connection and channel, opened on first use
/// and replaced after any failure; a failed read is "unknown", never "empty".
/// </summary>
public sealed partial class DeliverQueueProbe(IOptions<RabbitMqOptions> options, ILogger<DeliverQueueProbe> logger) : IAsyncDisposable
{
    private IConnection? _connection;
    private IChannel? _channel;

    public async Task<long?> ReadyCountAsync(CancellationToken cancellationToken)
    {
        try
        {
            _connection ??= await CreateFactory().CreateConnectionAsync("emailrelay-sender-queue-probe", cancellationToken);
            if (_channel is not { IsOpen: true })
            {
                // A failed passive declare (no such queue) closes the channel: open another.
                _channel?.Dispose();
                _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
            }
            var queue = await _channel.QueueDeclarePassiveAsync(DeliverMessageConsumerDefinition.QueueName, cancellationToken);
            return queue.MessageCount;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A missing queue (404 closes only the channel) or a broker that went away: unknown.
            LogProbeFailed(logger, ex.GetType().Name, ex.Message);
            if (_connection is { IsOpen: false })
            {
                _channel?.Dispose();
                _channel = null;
                await _connection.DisposeAsync();
                _connection = null;
            }
            return null;
        }
    }

    private ConnectionFactory CreateFactory()
    {
        var o = options.Value;
        return new ConnectionFactory
        {
            HostName = o.Host,
            Port = o.Port,
            VirtualHost = o.VirtualHost,
            UserName = o.Username,
            Password = o.Password,
            AutomaticRecoveryEnabled = false,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 2203, Level = LogLevel.Debug, Message = "Could not read the depth of deliver-message: {ExceptionType}: {Error}")]
    private static partial void LogProbeFailed(ILogger logger, string exceptionType, string error);
}
