using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Limits;

/// <summary>
/// <c>Delivery__Limits__*</c>: how hard the senders, together, may push one destination. Every
/// value is cluster-wide (shared through PostgreSQL), and each can be overridden for matching
/// destinations under <c>Delivery__Limits__Destinations__&lt;name&gt;__*</c>.
/// </summary>
public sealed class DeliveryLimitsOptions : IValidatableObject
{
    public const string Section = "Delivery:Limits";

    /// <summary>
    /// Concurrent SMTP connections to one destination host from all senders together; 0 = no limit.
    /// 10, as OpenSMTPD's per-host default: Postfix allows 20 per destination domain, but starts at
    /// 5 and climbs only while deliveries succeed, and we have no such feedback loop, so we start
    /// where large mailbox providers stop answering 421 "too many connections" from one sender.
    /// </summary>
    [Range(0, 1000)] public int MaxConnectionsPerHost { get; set; } = 10;

    /// <summary>
    /// Transactions on one connection before it is closed and a new one opened. 100, as OpenSMTPD
    /// (KumoMTA allows 1024): receivers commonly cap a session near that and answer 421 past it.
    /// </summary>
    [Range(1, 100000)] public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>
    /// Messages per second to one recipient domain from all senders together; 0 = no limit, and
    /// then no database work per message. Bursts up to one second's worth (at least 1).
    /// </summary>
    [Range(0.0, 100000.0)] public double MessagesPerSecondPerDomain { get; set; }

    /// <summary>The first backoff after a 421 or 4.7.x; each repeat doubles it up to <see cref="BackoffMax"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest backoff; about Postfix's maximal_backoff_time (4000 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a connection slot is held without renewal (renewed every third of it): how soon a
    /// crashed sender's slots are free for the others.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectionLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Overrides by name; the name only identifies the entry, <see cref="DestinationLimitsOverride.Match"/> selects.</summary>
    public Dictionary<string, DestinationLimitsOverride> Destinations { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BackoffInitial > BackoffMax)
        {
            yield return new ValidationResult("Delivery:Limits: BackoffInitial must not exceed BackoffMax.", [nameof(BackoffInitial)]);
        }
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, entry) in Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var prefix = $"Delivery:Limits:Destinations:{name}";
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(entry, new ValidationContext(entry), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult($"{prefix}: {result.ErrorMessage}", result.MemberNames);
            }
            if (!DestinationPattern.TryParseList(entry.Match, out var patterns, out var error))
            {
                yield return new ValidationResult($"{prefix}:Match: {error}", [nameof(entry.Match)]);
                continue;
            }
            foreach (var pattern in patterns)
            {
                // Two entries claiming one name would make the winner depend on their order.
                if (!owners.TryAdd(pattern.Text, name))
                {
                    yield return new ValidationResult($"{prefix}:Match: '{pattern.Text}' is also matched by '{owners[pattern.Text]}'.", [nameof(entry.Match)]);
                }
            }
            if ((entry.BackoffInitial ?? BackoffInitial) > (entry.BackoffMax ?? BackoffMax))
            {
                yield return new ValidationResult($"{prefix}: BackoffInitial must not exceed BackoffMax.", [nameof(entry.BackoffInitial)]);
            }
        }
    }
}
