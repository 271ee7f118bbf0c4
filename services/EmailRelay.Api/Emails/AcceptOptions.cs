using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.Emails;

/// <summary>The part of <c>Delivery</c> the API needs when it stores a message.</summary>
public sealed class AcceptOptions
{
    public const string Section = "Delivery";

    /// <summary>
    /// After this, recipients still pending fail with reason <c>expired</c> (DESIGN.md §4). Read
    /// here only: each message's deadline is fixed in <c>messages.expires_at</c> when it is stored.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromHours(72);

    /// <summary>How long a request waits for the broker's confirm before leaving the publish to the dispatcher.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
