using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Data;

/// <summary><c>Outbox__*</c>: when a message's DeliverMessage command is (re)published. Bound once, by <see cref="OutboxServiceCollectionExtensions.AddRelayOutbox"/>.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>
    /// After a failed or refused (queue full) publish, how long before it is tried again, so a full
    /// queue or a broker that is down is not hammered.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a dispatcher's claim holds before the message is due again: it covers a dispatcher
    /// that died between its claim and its publish. Longer than a publish takes to be confirmed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The safety net for commands lost outside our control: a command handed to the broker before
    /// the deliver-message queue was seen with no ready message for this long, and still not taken,
    /// is published again. A backlog therefore never causes a republish. Longer than a consumer
    /// takes to lease what it received.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LostCommandWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a message whose command reached <c>deliver-message_error</c> waits before it is published again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ErrorQueueRequeueDelay { get; set; } = TimeSpan.FromSeconds(30);
}
