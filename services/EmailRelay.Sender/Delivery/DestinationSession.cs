using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Smtp;
using MimeKit;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// The transactions of one message to one destination. Endpoints are tried in order (MX preference,
/// then address) until one takes a session: on a refused or failed connection, a refused greeting
/// (4xx, and 5xx as Postfix's <c>smtp_skip_5xx_greeting</c>), or a failed STARTTLS or AUTH, the
/// next is tried at once, since nothing of the message was sent. Once a session is open the rest of
/// the message's transactions stay on that endpoint. When no endpoint could be reached, the last
/// failure stands for every remaining transaction without dialling them all again.
/// </summary>
public sealed partial class DestinationSession(SmtpPoolRegistry pools, Destination destination, TimeProvider time, ILogger logger)
    : IAsyncDisposable
{
    private int _index;
    private SmtpSession? _session;
    private TransactionResult? _unreachable;

    public Destination Destination => destination;

    public async Task<TransactionResult> RunAsync(MimeMessage message, string envelopeFrom, IReadOnlyList<string> recipients,
        CancellationToken cancellationToken)
    {
        if (_unreachable is { } last)
        {
            return last with { StartedAt = time.GetUtcNow(), Duration = TimeSpan.Zero };
        }
        while (true)
        {
            var endpoint = destination.Endpoints[_index];
            _session ??= new SmtpSession(pools.Get(endpoint), time);
            var result = await _session.RunAsync(message, envelopeFrom, recipients, cancellationToken);
            if (!result.ConnectFailed)
            {
                return result;
            }
            var why = result.TransactionReply?.Text ?? result.FailureDetail;
            await _session.DisposeAsync();
            _session = null;
            if (_index + 1 >= destination.Endpoints.Count)
            {
                LogUnreachable(logger, destination.Name, destination.Endpoints.Count, why);
                _unreachable = result;
                return result;
            }
            LogNextHost(logger, destination.Name, endpoint.ToString(), why);
            _index++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Debug, Message = "{Destination}: {Endpoint} took no session ({Reason}); trying the next host")]
    private static partial void LogNextHost(ILogger logger, string destination, string endpoint, string? reason);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "{Destination}: none of {Count} host(s) took a session; last: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string destination, int count, string? reason);
}
