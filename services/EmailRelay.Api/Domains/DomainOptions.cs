using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.Domains;

/// <summary><c>Domains__*</c>: what the API asks a sending domain's owner to publish, and how long a rotated-out key stays valid.</summary>
public sealed class DomainOptions : IValidatableObject
{
    public const string Section = "Domains";

    /// <summary>
    /// The mechanisms of the advised SPF record, <c>v=spf1 &lt;these&gt; ~all</c>: the hosts that send
    /// for the domain (the relay's outbound addresses, e.g. <c>ip4:203.0.113.7</c> or <c>include:…</c>).
    /// </summary>
    public string SpfMechanisms { get; set; } = "a mx";

    /// <summary>The host the bounce domain's MX should name (Tracking's bounce listener); unset: no return-path record is advised.</summary>
    public string? BounceMxHost { get; set; }

    /// <summary>After a rotation, how long the replaced key's record must stay published (mail signed before the switch is still in flight or being re-checked).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DkimRetireAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary><see cref="SpfMechanisms"/> as terms.</summary>
    public IReadOnlyList<string> SpfTerms => SpfMechanisms.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var terms = SpfTerms;
        if (terms.Count == 0 || SpfMechanisms.Length > 400
            || terms.Any(t => t.Any(c => c is <= ' ' or > '~' or '"' or ';') || t.TrimStart('+', '-', '~', '?').Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            yield return new ValidationResult(
                "Domains:SpfMechanisms is one or more SPF mechanisms separated by spaces (e.g. 'a mx' or 'ip4:203.0.113.7 include:_spf.example.net'), " +
                "without 'all', which the record ends with ('~all').", [nameof(SpfMechanisms)]);
        }
        if (!string.IsNullOrWhiteSpace(BounceMxHost) && DomainName.Normalize(BounceMxHost, out _) is null)
        {
            yield return new ValidationResult($"Domains:BounceMxHost '{BounceMxHost}' is not a host name.", [nameof(BounceMxHost)]);
        }
    }
}
