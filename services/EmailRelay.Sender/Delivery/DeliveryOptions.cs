using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Delivery;

/// <summary><c>Delivery__*</c>: where mail goes, how long it may wait, how retries are spaced.</summary>
public sealed class DeliveryOptions : IValidatableObject
{
    public const string Section = "Delivery";

    [Required] public SmarthostOptions Smarthost { get; set; } = new();

    /// <summary>Delays between attempts, e.g. "1m,5m,15m"; the last one repeats (DESIGN.md §4).</summary>
    [Required] public string RetrySchedule { get; set; } = "1m,5m,15m,30m,1h,2h,4h";

    /// <summary>Random spread added to each delay, as a fraction of it, so retries of a burst don't arrive together.</summary>
    [Range(0.0, 1.0)] public double RetryJitter { get; set; } = 0.1;

    /// <summary>
    /// How long a sender owns the recipients it leased without renewing. The lease is renewed every
    /// third of it while a transaction runs, so it need not outlast one: it bounds how long a
    /// crashed sender's recipients wait before another sender takes them (DESIGN.md §3.3).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Delivery.RetrySchedule.TryParse(RetrySchedule, out _, out var error))
        {
            yield return new ValidationResult($"Delivery:RetrySchedule: {error}", [nameof(RetrySchedule)]);
        }
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Smarthost, new ValidationContext(Smarthost), results, validateAllProperties: true);
        foreach (var result in results.Concat(Smarthost.Validate(validationContext)))
        {
            yield return new ValidationResult($"Delivery:Smarthost: {result.ErrorMessage}", result.MemberNames);
        }
    }
}

public enum TlsMode { None, Opportunistic, Required }

/// <summary><c>Delivery__Smarthost__*</c>: the one relay every message goes to in this version.</summary>
public sealed class SmarthostOptions
{
    [Required] public string Host { get; set; } = "127.0.0.1";
    [Range(1, 65535)] public int Port { get; set; } = 25;
    public TlsMode Tls { get; set; } = TlsMode.Opportunistic;
    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>For a smarthost with a private CA or a self-signed certificate; opportunistic TLS never checks.</summary>
    public bool AcceptInvalidCertificates { get; set; }

    /// <summary>The name given in EHLO.</summary>
    public string? HeloName { get; set; }

    [Range(1, 1000)] public int MaxConnections { get; set; } = 20;
    [Range(1, 100000)] public int MaxMessagesPerConnection { get; set; } = 1000;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per read or write; RFC 5321 §4.5.3.2 suggests minutes, a smarthost answers in far less.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Username is not null && Tls != TlsMode.Required)
        {
            // Credentials must never cross the network in clear text.
            yield return new ValidationResult("Username is set, so Tls must be 'required' (AUTH only over TLS).", [nameof(Tls)]);
        }
        if ((Username is null) != (Password is null))
        {
            yield return new ValidationResult("Username and Password are set together.", [nameof(Username)]);
        }
    }
}
