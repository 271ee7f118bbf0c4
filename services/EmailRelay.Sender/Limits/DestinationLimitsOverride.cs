using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Limits;

/// <summary>
/// <c>Delivery__Limits__Destinations__&lt;name&gt;__*</c>: limits for the destinations its
/// <see cref="Match"/> names; a field left unset takes the default from <see cref="DeliveryLimitsOptions"/>.
/// </summary>
public sealed class DestinationLimitsOverride
{
    /// <summary>
    /// Comma-separated host or domain names, <c>*.example.com</c> for every name under example.com
    /// (not example.com itself). Hosts are matched for connections, recipient domains for the rate.
    /// </summary>
    [Required] public string? Match { get; set; }

    [Range(0, 1000)] public int? MaxConnectionsPerHost { get; set; }
    [Range(1, 100000)] public int? MaxMessagesPerConnection { get; set; }
    [Range(0.0, 100000.0)] public double? MessagesPerSecondPerDomain { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan? BackoffInitial { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan? BackoffMax { get; set; }
}
