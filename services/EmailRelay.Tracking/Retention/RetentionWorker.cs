using Microsoft.Extensions.Options;

namespace EmailRelay.Tracking.Retention;

/// <summary>Runs a <see cref="RetentionPass"/> at start and every <see cref="RetentionOptions.Interval"/>.</summary>
public sealed partial class RetentionWorker(RetentionPass pass, TimeProvider time, IOptions<RetentionOptions> options,
    ILogger<RetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await pass.RunAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // Every step is a batch of its own: the next pass goes on from where this one stopped.
                LogPassFailed(logger, ex.GetType().Name, ex.Message);
            }
            try
            {
                await Task.Delay(options.Value.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention pass failed ({ExceptionType}: {Reason}); the next one goes on")]
    private static partial void LogPassFailed(ILogger logger, string exceptionType, string reason);
}
