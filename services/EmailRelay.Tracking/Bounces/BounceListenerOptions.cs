using System.ComponentModel.DataAnnotations;
using System.Net;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// <c>Bounces__*</c> of the listener (the domain and the token secret are <see cref="EmailRelay.Data.Bounces.BounceOptions"/>,
/// shared with the sender). The listener runs when <c>Bounces__Domain</c> is set.
/// </summary>
public sealed class BounceListenerOptions : IValidatableObject
{
    public const string Section = "Bounces";

    /// <summary>The SMTP port (the bounce domain's MX points at it; 25 in front, e.g. a Kubernetes Service).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 2525;

    /// <summary>The address to listen on.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// The largest message accepted (announced with SIZE, enforced while reading): a report may
    /// return the whole original, which the API caps at 10 MiB.
    /// </summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 12 * 1024 * 1024;

    /// <summary>RCPT TOs per transaction; a report goes to one return path.</summary>
    [Range(1, 1000)]
    public int MaxRecipients { get; set; } = 20;

    /// <summary>How much of a message that matched nothing is kept for operators.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int KeptRawBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a session may last in all.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult($"Bounces:ListenAddress '{ListenAddress}' is not an IP address.", [nameof(ListenAddress)]);
        }
    }
}
