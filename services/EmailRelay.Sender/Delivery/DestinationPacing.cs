using EmailRelay.Sender.Limits;
using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// What the per-destination limits (<see cref="DestinationLimiter"/>, shared by every replica) say
/// about one transaction of direct delivery: go, wait (the recipient domain's message rate), or
/// do not connect (the domain is backed off). Smarthosts and named routes are relays the operator
/// runs and are not paced here (their connections still go through the pool's gate).
/// </summary>
public sealed partial class DestinationPacing(DestinationLimiter limiter, TimeProvider time, ILogger<DestinationPacing> logger)
{
    /// <summary>A rate wait up to this long is waited out in place; a longer one hands the recipients back until then.</summary>
    public static readonly TimeSpan MaxInlineWait = TimeSpan.FromSeconds(2);

    public async Task<PaceDecision> BeforeAsync(RouteTarget target, CancellationToken cancellationToken)
    {
        if (target.Domain is not { } domain)
        {
            return PaceDecision.Go;
        }
        if (await limiter.GetBackoffAsync(domain, cancellationToken) is { } backoff)
        {
            return new PaceDecision(backoff, null);
        }
        while (true)
        {
            var wait = await limiter.TakeAsync(domain, 1, cancellationToken);
            if (wait == TimeSpan.Zero)
            {
                return PaceDecision.Go;
            }
            if (wait > MaxInlineWait)
            {
                return new PaceDecision(null, time.GetUtcNow() + wait);
            }
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>
    /// Backs the recipient domain off when the server's reply asks for it, and returns the backoff in
    /// force (null: none). A 421 anywhere closes the session; a 4.7.x to the session or the whole
    /// message (greeting, MAIL, the end of DATA) is about us as a sender. A 4.7.x to one RCPT is not:
    /// it speaks of that recipient (greylisting answers 450/451 4.7.1 per sender and recipient), so it
    /// defers only that recipient on the retry schedule.
    /// </summary>
    public async Task<DestinationBackoff?> AfterAsync(RouteTarget target, TransactionResult result)
    {
        if (target.Domain is not { } domain || result.RemoteHost is null || BackoffReply(result) is not { } reply)
        {
            return null;
        }
        try
        {
            // Not the consume's token: the reply has come, and the next sender must know.
            return await limiter.BackOffAsync(domain, reply.Code, reply.EnhancedCode, reply.Text, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            // The outcome is still recorded and deferred on the schedule; only the pause of the others is lost.
            LogBackoffNotRecorded(logger, domain, ex.Message);
            return null;
        }
    }

    /// <summary>An attempt that never connected: the destination's backoff stands in for the reply.</summary>
    public static TransactionResult BackedOff(DestinationBackoff backoff, DateTimeOffset now) =>
        new(now, TimeSpan.Zero, null, null, false, new Dictionary<string, SmtpReplyInfo>(),
            new SmtpReplyInfo(backoff.ReplyCode, backoff.EnhancedCode, backoff.AttemptReply()), false, null, null);

    /// <summary>Deferred recipients wait at least until the backoff ends (never past their lifetime).</summary>
    public static IReadOnlyList<RecipientUpdate> NotBefore(IReadOnlyList<RecipientUpdate> updates, DestinationBackoff backoff, DateTimeOffset expiresAt) =>
        updates.Select(u => u.Status == Data.RecipientStatus.Deferred && u.NextAttemptAt < backoff.Until
            ? u with { NextAttemptAt = backoff.Until < expiresAt ? backoff.Until : expiresAt }
            : u).ToList();

    private static SmtpReplyInfo? BackoffReply(TransactionResult result) =>
        result.TransactionReply is { } reply && DestinationLimiter.IsBackoffReply(reply.Code, reply.EnhancedCode)
            ? reply
            : result.RecipientReplies.Values.FirstOrDefault(r => r.Code == 421);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "Backing off {Destination} could not be recorded: {Error}")]
    private static partial void LogBackoffNotRecorded(ILogger logger, string destination, string error);
}

/// <summary><see cref="DestinationPacing.BeforeAsync"/>'s answer: neither set means go.</summary>
public sealed record PaceDecision(DestinationBackoff? Backoff, DateTimeOffset? PostponeUntil)
{
    public static readonly PaceDecision Go = new(null, null);
}
