namespace EmailRelay.Sender.Limits;

/// <summary>The limits in force for one destination: the defaults with its override, if any, applied.</summary>
/// <param name="Override">The name of the override that matched; null when the defaults apply.</param>
public sealed record DestinationLimits(
    string? Override,
    int MaxConnectionsPerHost,
    int MaxMessagesPerConnection,
    double MessagesPerSecondPerDomain,
    TimeSpan BackoffInitial,
    TimeSpan BackoffMax)
{
    public BackoffSchedule Backoff => new(BackoffInitial, BackoffMax);

    /// <summary>How many messages may go at once before the rate applies: one second's worth, at least one.</summary>
    public int Burst => Math.Max(1, (int)Math.Ceiling(MessagesPerSecondPerDomain));
}
