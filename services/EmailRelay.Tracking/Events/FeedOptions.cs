using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Tracking.Events;

/// <summary><c>Feed__*</c>: how Tracking follows the event feed.</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>How long to wait after a pass that found fewer events than a batch.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Events handled per transaction.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How often a sample of the transaction clock is written to <c>event_clock</c>; a
    /// <c>?since=</c> query starts at most this much traffic before the time it names.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClockInterval { get; set; } = TimeSpan.FromSeconds(10);
}
