using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Backlog;

/// <summary><c>Backlog__*</c>: how often the age of the oldest pending message per destination is sampled for the metrics.</summary>
public sealed class BacklogOptions
{
    public const string Section = "Backlog";

    /// <summary>0 turns the sampling off. Every sender replica samples: keep it coarse.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Only the destinations with the oldest pending mail are reported, so the metric's cardinality stays bounded.</summary>
    [Range(1, 10000)] public int MaxDestinations { get; set; } = 100;
}
