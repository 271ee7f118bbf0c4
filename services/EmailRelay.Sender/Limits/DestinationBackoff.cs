using System.Globalization;

namespace EmailRelay.Sender.Limits;

/// <summary>A destination backed off after it answered 421 or 4.7.x: nothing goes to it before <see cref="Until"/>.</summary>
/// <param name="Strikes">How many backoffs in a row, this one included; each doubles the last.</param>
/// <param name="Reason"><c>service_unavailable</c> (421) or <c>policy</c> (4.7.x).</param>
/// <param name="Reply">The reply that caused it, verbatim.</param>
public sealed record DestinationBackoff(
    string Destination,
    DateTimeOffset Since,
    DateTimeOffset Until,
    int Strikes,
    string Reason,
    int ReplyCode,
    string? EnhancedCode,
    string Reply)
{
    /// <summary>
    /// The reply text of the attempt record for a recipient deferred by this backoff without
    /// connecting, so the timeline says why nothing was tried and what the destination had said.
    /// </summary>
    public string AttemptReply() => string.Create(CultureInfo.InvariantCulture,
        $"destination {Destination} backed off until {Until.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, after {Reply}");
}
