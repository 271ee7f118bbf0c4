using Microsoft.Extensions.Options;

namespace EmailRelay.Tracking.Events;

/// <summary>Follows the event feed (<see cref="EventFanOut"/>) and samples the transaction clock (<see cref="EventClock"/>).</summary>
public sealed partial class FeedWorker(
    EventFanOut fanOut,
    EventClock clock,
    FeedMetrics metrics,
    TimeProvider time,
    IOptions<FeedOptions> options,
    ILogger<FeedWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextSample = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var passed = 0;
            try
            {
                if (time.GetUtcNow() >= nextSample)
                {
                    await clock.SampleAsync(stoppingToken);
                    nextSample = time.GetUtcNow() + options.Value.ClockInterval;
                }
                if (await fanOut.PassAsync(options.Value.BatchSize, stoppingToken) is { } result)
                {
                    metrics.Passed(result);
                    passed = result.Events;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // Nothing was committed: the cursor is where it was, so the next pass does the same work.
                LogPassFailed(logger, ex.GetType().Name, ex.Message);
            }
            if (passed < options.Value.BatchSize)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event feed pass failed ({ExceptionType}: {Reason}); retrying")]
    private static partial void LogPassFailed(ILogger logger, string exceptionType, string reason);
}
