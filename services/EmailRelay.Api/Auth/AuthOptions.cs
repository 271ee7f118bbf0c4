using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.Auth;

/// <summary><c>Auth__BootstrapKey</c>: an admin key from configuration, to create the first real keys.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    public string? BootstrapKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BootstrapKey is not null && BootstrapKey.Length < 24)
        {
            yield return new ValidationResult("Auth:BootstrapKey must be at least 24 characters.", [nameof(BootstrapKey)]);
        }
    }
}
