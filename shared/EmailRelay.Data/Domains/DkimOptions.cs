using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Data.Domains;

/// <summary>
/// <c>Dkim__*</c>: the master key that seals every DKIM private key at rest. The API seals the keys
/// it makes; the sender opens them to sign. Losing it loses every key (new ones must be made and
/// published); changing it needs the keys re-sealed.
/// </summary>
public sealed class DkimOptions : IValidatableObject
{
    public const string Section = "Dkim";

    /// <summary>32 random bytes, base64 (e.g. <c>openssl rand -base64 32</c>). Unset: no sending domain can hold a key.</summary>
    public string? MasterKey { get; set; }

    public bool HasMasterKey => !string.IsNullOrWhiteSpace(MasterKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HasMasterKey && !TryDecode(MasterKey!, out _))
        {
            yield return new ValidationResult("Dkim:MasterKey must be 32 bytes in base64 (openssl rand -base64 32).", [nameof(MasterKey)]);
        }
    }

    internal static bool TryDecode(string value, out byte[] key)
    {
        key = new byte[32];
        return Convert.TryFromBase64String(value.Trim(), key, out var written) && written == 32;
    }
}
