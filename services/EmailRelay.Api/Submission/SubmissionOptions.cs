using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.Submission;

/// <summary>
/// <c>Submission__*</c>: the SMTP submission listener of API.md §SMTP submission, hosted by the API
/// process. Off unless a port is set; a port needs the certificate, since AUTH is only ever
/// offered under TLS.
/// </summary>
public sealed class SubmissionOptions : IValidatableObject
{
    public const string Section = "Submission";

    /// <summary>STARTTLS port (587 in front); AUTH only after STARTTLS. 0 = off.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>Implicit TLS port (465 in front). 0 = off.</summary>
    [Range(0, 65535)]
    public int ImplicitTlsPort { get; set; }

    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>PEM certificate (chain) file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The name in the greeting and the EHLO reply; the host name when unset.</summary>
    public string? Hostname { get; set; }

    /// <summary>Open sessions per process; a connection beyond them is answered 421 and closed.</summary>
    [Range(1, 100_000)]
    public int MaxConnections { get; set; } = 500;

    /// <summary>Open sessions per client address per process.</summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerAddress { get; set; } = 20;

    /// <summary>Announced with SIZE and enforced while reading; the API's 10 MiB by default.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>RCPT TOs per transaction: the API's limit of recipients per email.</summary>
    [Range(1, 1000)]
    public int MaxRecipients { get; set; } = Emails.EmailValidator.MaxRecipients;

    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed logins per client address within <see cref="FailedAuthWindow"/>, cluster-wide, before AUTH is refused.</summary>
    [Range(1, 10_000)]
    public int FailedAuthLimit { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailedAuthWindow { get; set; } = TimeSpan.FromMinutes(15);

    public bool Enabled => Port > 0 || ImplicitTlsPort > 0;

    public string ServerName => string.IsNullOrWhiteSpace(Hostname) ? System.Net.Dns.GetHostName() : Hostname;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!System.Net.IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult($"Submission:ListenAddress '{ListenAddress}' is not an IP address.", [nameof(ListenAddress)]);
        }
        if (Port > 0 && Port == ImplicitTlsPort)
        {
            yield return new ValidationResult("Submission:Port and Submission:ImplicitTlsPort must differ.", [nameof(Port)]);
        }
        if (Enabled && (string.IsNullOrWhiteSpace(CertificatePath) || string.IsNullOrWhiteSpace(KeyPath)))
        {
            yield return new ValidationResult(
                "Submission:CertificatePath and Submission:KeyPath (PEM files) are required when a submission port is set: AUTH is only offered under TLS.",
                [nameof(CertificatePath), nameof(KeyPath)]);
        }
    }
}
