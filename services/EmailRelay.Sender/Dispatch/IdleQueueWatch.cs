namespace EmailRelay.Sender.Dispatch;

/// <summary>
/// Decides when the lost-command safety net may act: only after <c>deliver-message</c> has been seen
/// with no ready message for a whole window. By then every command that was in the queue when the
/// quiet began has reached a consumer and been taken, so a message whose command was handed over
/// before that moment and is still not taken has lost it. A backlog (or an unknown depth) resets the
/// watch: queued commands are never published twice. Pure, so the rule is unit-tested.
/// </summary>
public sealed class IdleQueueWatch(TimeSpan window)
{
    private DateTimeOffset? _idleSince;

    /// <summary>Records one look at the queue's ready count (null: could not be read).</summary>
    public void Observe(long? ready, DateTimeOffset now)
    {
        if (ready is 0)
        {
            _idleSince ??= now;
        }
        else
        {
            _idleSince = null;
        }
    }

    /// <summary>
    /// Commands handed to the broker before this moment and never taken are lost; null while the
    /// queue has not been idle for the whole window.
    /// </summary>
    public DateTimeOffset? LostIfHandedBefore(DateTimeOffset now) =>
        _idleSince is { } since && now - since >= window ? since : null;
}
