using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Dispatch;

/// <summary><c>Dispatcher__*</c>.</summary>
public sealed class DispatcherOptions
{
    public const string Section = "Dispatcher";

    /// <summary>How often to look for due work when the last look found less than a full batch.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(1, 10000)] public int BatchSize { get; set; } = 200;
}
