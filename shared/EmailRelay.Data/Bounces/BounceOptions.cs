using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Data.Bounces;

/// <summary>
/// <c>Bounces__*</c>: the VERP return path (DESIGN.md §5). Without <see cref="Domain"/> the
/// envelope sender is the message's own address and asynchronous bounces cannot be matched.
/// Bound and validated by <see cref="BounceServiceCollectionExtensions.AddRelayBounces"/> in every
/// service that encodes or decodes return paths, so they always agree.
/// </summary>
public sealed class BounceOptions : IValidatableObject
{
    public const string Section = "Bounces";

    /// <summary>
    /// 190 octets leaves room for the 55-octet local part and the @ within the 254 octets of an
    /// address (RFC 5321 §4.5.3.1.3).
    /// </summary>
    public const int MaxDomainLength = 190;

    /// <summary>The domain whose mail (MX) reaches Tracking's bounce listener; envelope senders are <c>bounces+&lt;token&gt;@</c> it.</summary>
    public string? Domain { get; set; }

    /// <summary>The HMAC key of the tokens; at least 32 characters. Changing it orphans the bounces of mail already sent.</summary>
    public string? Secret { get; set; }

    public bool VerpEnabled => !string.IsNullOrWhiteSpace(Domain);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!VerpEnabled)
        {
            yield break;
        }
        if (!IsDomainName(Domain!))
        {
            yield return new ValidationResult(
                $"Bounces:Domain '{Domain}' is not a domain name (ASCII letters, digits and hyphens in dot-separated labels, at most {MaxDomainLength} octets; punycode for IDN).",
                [nameof(Domain)]);
        }
        if (Secret is null || Secret.Length < VerpToken.MinSecretLength)
        {
            yield return new ValidationResult(
                $"Bounces:Secret is required when Bounces:Domain is set, at least {VerpToken.MinSecretLength} characters (e.g. `openssl rand -base64 48`).",
                [nameof(Secret)]);
        }
    }

    private static bool IsDomainName(string domain) =>
        domain.Length <= MaxDomainLength
        && domain.Split('.').All(label => label.Length is > 0 and <= 63 && !label.StartsWith('-') && !label.EndsWith('-')
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
}
