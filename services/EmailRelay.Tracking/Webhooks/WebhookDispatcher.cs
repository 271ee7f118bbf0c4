using System.Collections.Concurrent;
using EmailRelay.Webhooks;
using Microsoft.Extensions.Options;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// Sends due webhook deliveries (DESIGN.md §6) on every Tracking replica: each pass fails the
/// deliveries of endpoints disabled or deleted meanwhile, then claims what the caps leave room for
/// and sends each claimed delivery on its own, so a slow endpoint holds only its own claims. A
/// finished attempt wakes the loop to claim again at once. On shutdown no new claims are made and
/// the requests in flight run to their end (at most the request timeout) and are recorded.
/// </summary>
public sealed partial class WebhookDispatcher(
    WebhookDeliveryStore store,
    WebhookClient client,
    WebhookRetrySchedule schedule,
    WebhookMetrics metrics,
    TimeProvider time,
    IOptions<WebhookDeliveryOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly SemaphoreSlim _wake = new(0);
    private DateTimeOffset _orphansCheckedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var full = false;
                try
                {
                    full = await PassAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    // Database trouble: a claim that was never recorded comes due again when its lease ends.
                    LogPassFailed(logger, ex.GetType().Name, ex.Message);
                }
                if (!full)
                {
                    try
                    {
                        await _wake.WaitAsync(options.Value.PollInterval, stoppingToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            await Task.WhenAll(_running.Values);
        }
    }

    /// <returns>Whether the pass claimed all it had room for (so more may be due at once).</returns>
    private async Task<bool> PassAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        // Endpoints are disabled or deleted rarely: looked for once a poll interval, not on every
        // wake-up a finished attempt makes.
        if (now - _orphansCheckedAt >= o.PollInterval)
        {
            metrics.NotSent(await store.FailOrphansAsync(now, cancellationToken));
            _orphansCheckedAt = now;
        }
        var room = o.MaxConcurrency - _running.Count;
        if (room <= 0 || cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        // Not cancelled half-way: deliveries claimed and then never started would wait out their lease.
        var claimed = await store.ClaimAsync(now, now + o.LeaseDuration, room, o.MaxConcurrencyPerEndpoint, o.MaxConcurrency,
            schedule.Delays[0], CancellationToken.None);
        foreach (var delivery in claimed)
        {
            // Reserved before it starts: a send that completes at once removes its own entry.
            _running[delivery.Id] = Task.CompletedTask;
            var task = AttemptAsync(delivery);
            _running.TryUpdate(delivery.Id, task, Task.CompletedTask);
        }
        return claimed.Count > 0 && claimed.Count == room;
    }

    private async Task AttemptAsync(ClaimedDelivery delivery)
    {
        try
        {
            // Not the stopping token: an attempt under way is finished and recorded, never cut off
            // (the receiver may already have the webhook).
            var payload = delivery.Payload
                ?? (delivery.Event is { } e ? WebhookPayload.Build(delivery.EventType, delivery.EventId, delivery.MessageId, e) : null);
            var result = payload is null
                ? new AttemptResult(AttemptOutcome.NoPayload, time.GetUtcNow(), TimeSpan.Zero,
                    Error: "not sent: the event was removed by retention before a first attempt fixed the payload")
                : await client.SendAsync(delivery.Url, delivery.Id.ToString(), payload, Keys(delivery), CancellationToken.None);
            metrics.Attempted(result);
            var now = time.GetUtcNow();
            var decision = DeliveryRules.Decide(result, delivery.Attempt, schedule, options.Value.MaxRetryAfter, now, Random.Shared.NextDouble());
            var held = await store.RecordAsync(delivery, result, decision, delivery.Payload is null ? payload : null, now, CancellationToken.None);
            if (!held)
            {
                LogClaimLost(logger, delivery.Id, delivery.Attempt);
                return;
            }
            LogAttempted(logger, delivery.Id, delivery.Attempt, result.Outcome, result.StatusCode, decision.Status);
            if (decision.IsFinal)
            {
                metrics.Completed(decision.Status, now - delivery.CreatedAt);
            }
            if (decision.DisableEndpoint is { } reason)
            {
                LogEndpointDisabled(logger, delivery.EndpointId, reason);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not recorded: the lease runs out and the delivery is attempted again, maybe twice at the receiver.
            LogAttemptFailed(logger, delivery.Id, ex.GetType().Name, ex.Message);
        }
        finally
        {
            _running.TryRemove(delivery.Id, out _);
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
    }

    /// <summary>The current secret's key, then the previous one's while its rotation grace lasts.</summary>
    private List<byte[]> Keys(ClaimedDelivery delivery)
    {
        var keys = new List<byte[]> { WebhookSecret.Key(delivery.Secret) };
        if (delivery.PreviousSecret is { } previous && delivery.PreviousExpiresAt > time.GetUtcNow())
        {
            keys.Add(WebhookSecret.Key(previous));
        }
        return keys;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug,
        Message = "Webhook delivery {DeliveryId} attempt {Attempt}: {Outcome} ({StatusCode}); now {Status}")]
    private static partial void LogAttempted(ILogger logger, Guid deliveryId, int attempt, AttemptOutcome outcome, int? statusCode, string status);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Webhook dispatch pass failed: {ExceptionType}: {Error}")]
    private static partial void LogPassFailed(ILogger logger, string exceptionType, string error);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning,
        Message = "Webhook endpoint {EndpointId} disabled: {Reason}; its pending deliveries failed")]
    private static partial void LogEndpointDisabled(ILogger logger, Guid endpointId, string reason);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning,
        Message = "Webhook delivery {DeliveryId} attempt {Attempt} was recorded, but its lease had been taken over: the outcome is left to the new owner")]
    private static partial void LogClaimLost(ILogger logger, Guid deliveryId, int attempt);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Error,
        Message = "Webhook delivery {DeliveryId}: the attempt could not be made or recorded ({ExceptionType}: {Error}); it is due again when its lease ends")]
    private static partial void LogAttemptFailed(ILogger logger, Guid deliveryId, string exceptionType, string error);
}
