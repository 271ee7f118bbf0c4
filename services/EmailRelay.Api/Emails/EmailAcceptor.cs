using System.Diagnostics.Metrics;
using EmailRelay.Api.Idempotency;
using EmailRelay.Contracts;
using EmailRelay.Data;
using EmailRelay.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EmailRelay.Api.Emails;

/// <summary>
/// Store, then publish (DESIGN.md §3.1). The commit is what makes a 202 true; the publish is only
/// a shortcut for the dispatcher, so a broker that is down, slow or full never fails a request.
/// </summary>
public sealed partial class EmailAcceptor(
    EmailStore store,
    AcceptGroupCommit groupCommit,
    IdempotencyStore idempotencyStore,
    Outbox outbox,
    IBusControl bus,
    TimeProvider time,
    IOptions<AcceptOptions> options,
    IMeterFactory meters,
    ILogger<EmailAcceptor> logger)
{
    private readonly Counter<long> _accepted = meters.Create(ServiceDefaultsExtensions.MeterName)
        .CreateCounter<long>("emailrelay.emails.accepted", description: "Emails durably stored by the API");
    private readonly Counter<long> _suppressed = meters.Create(ServiceDefaultsExtensions.MeterName)
        .CreateCounter<long>("emailrelay.recipients.suppressed",
            description: "Recipients found on their project's suppression list when their email was accepted: stored as suppressed, never sent");
    private readonly Counter<long> _publishDeferred = meters.Create(ServiceDefaultsExtensions.MeterName)
        .CreateCounter<long>("emailrelay.emails.publish_left_to_dispatcher",
            description: "Accepted emails whose first publish failed, was refused (queue full) or was skipped (broker down)");

    /// <summary>
    /// Stores the emails, renders the response with <paramref name="respond"/> (it shows which
    /// recipients were found suppressed) and — under an Idempotency-Key — stores that response and
    /// commits the claim with the emails; then publishes the emails due now.
    /// </summary>
    /// <returns>The response body.</returns>
    public async Task<byte[]> AcceptAsync(IReadOnlyList<PreparedEmail> emails, Guid projectId, Guid? apiKeyId,
        IdempotencyCompletion? idempotency, Func<SuppressedRecipients, byte[]> respond, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // With the broker known to be down, don't wait for it: leave the command to the dispatcher now.
        var publishNow = bus.CheckHealth().Status == BusHealthStatus.Healthy;
        var request = new StoreRequest(emails, projectId, apiKeyId, publishNow, System.Diagnostics.Activity.Current?.TraceId.ToString(), now);
        // Under an Idempotency-Key the emails are stored in the key's claim transaction, committed
        // with the response below; otherwise with whatever other requests are being accepted now.
        var suppressed = idempotency is not null
            ? await store.StoreAsync([request], options.Value.MaxQueueLifetime, idempotency.Claim, cancellationToken)
            : await groupCommit.StoreAsync(request);
        var body = respond(suppressed);
        if (idempotency is not null)
        {
            await idempotencyStore.CompleteAsync(idempotency, body, cancellationToken);
        }
        _accepted.Add(emails.Count);
        if (suppressed.Count > 0)
        {
            _suppressed.Add(suppressed.Count);
        }

        // An email whose recipients are all suppressed is final already: it owes no command.
        var due = emails.Where(e => !e.IsScheduled && !suppressed.AllOf(e)).ToList();
        if (!publishNow)
        {
            _publishDeferred.Add(due.Count);
            return body;
        }
        var failed = await PublishAsync(due);
        if (failed.Count > 0)
        {
            _publishDeferred.Add(failed.Count);
            await MarkPublishFailedAsync(failed, now);
        }
        return body;
    }

    private async Task<List<Guid>> PublishAsync(List<PreparedEmail> due)
    {
        var failed = new List<Guid>();
        if (due.Count == 0)
        {
            return failed;
        }
        // Not the request's token: once stored, the publish should finish even if the client left.
        using var timeout = new CancellationTokenSource(options.Value.PublishTimeout);
        var results = await Task.WhenAll(due.Select(async e =>
        {
            try
            {
                // With publisher confirms a nack (the queue is at its maximum length) throws here too.
                await bus.Publish(new DeliverMessage { MessageId = e.Id }, timeout.Token);
                return (e.Id, Ok: true);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogPublishFailed(logger, e.Id, ex.GetType().Name);
                return (e.Id, Ok: false);
            }
        }));
        failed.AddRange(results.Where(r => !r.Ok).Select(r => r.Id));
        return failed;
    }

    private async Task MarkPublishFailedAsync(List<Guid> ids, DateTimeOffset dispatchedAt)
    {
        try
        {
            await outbox.MarkPublishFailedAsync(ids, dispatchedAt, time.GetUtcNow(), CancellationToken.None);
        }
        catch (NpgsqlException ex)
        {
            // Still not lost: the dispatcher's safety net publishes commands that were never taken
            // once the queue has been idle for Outbox:LostCommandWindow.
            LogMarkDueFailed(logger, ids.Count, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Publish of message {MessageId} failed ({Error}); the dispatcher will publish it")]
    private static partial void LogPublishFailed(ILogger logger, Guid messageId, string error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Could not hand {Count} messages back to the outbox ({Error}); the lost-command safety net will publish them")]
    private static partial void LogMarkDueFailed(ILogger logger, int count, string error);
}
