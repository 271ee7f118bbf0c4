using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Tracking.Retention;

/// <summary><c>Retention__*</c>: how long what is kept, and how the pruning paces itself.</summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>Message content (the stored MIME) of emails whose recipients are all final.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan Content { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Tracking records: emails, recipients, events, delivery and webhook attempts, unmatched
    /// bounces. At least 7 days, longer than any email stays pending (a send_at at most 72 h ahead,
    /// then 72 h in the queue), so a dropped partition never holds a pending email's history.
    /// </summary>
    [Range(typeof(TimeSpan), "7.00:00:00", "3650.00:00:00")]
    public TimeSpan Tracking { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often a pass runs (one replica at a time).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows per DELETE for what is pruned row by row; small, so no lock is held for long.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>How far ahead the weekly partitions of the history tables are made.</summary>
    [Range(typeof(TimeSpan), "7.00:00:00", "365.00:00:00")]
    public TimeSpan PartitionsAhead { get; set; } = TimeSpan.FromDays(28);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Content > Tracking)
        {
            yield return new ValidationResult("Retention:Content may not be longer than Retention:Tracking: content goes with its email.",
                [nameof(Content), nameof(Tracking)]);
        }
    }
}
