using System.ComponentModel.DataAnnotations;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Delivery;

/// <summary><c>Delivery__Smarthost__*</c>: the relay every message no route claims goes to in <c>smarthost</c> mode.</summary>
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

    public SmtpEndpoint ToEndpoint() => new(Host, null, Port, Tls, AcceptInvalidCertificates, Username, Password);

    public SmtpClientSettings ClientSettings() => new(HeloName ?? System.Net.Dns.GetHostName(), ConnectTimeout, CommandTimeout);

    public SmtpPoolSettings PoolSettings() => new(MaxConnections, MaxMessagesPerConnection, IdleTimeout);

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
