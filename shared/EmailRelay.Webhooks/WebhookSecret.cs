using System.Security.Cryptography;

namespace EmailRelay.Webhooks;

/// <summary>
/// An endpoint's signing secret as Standard Webhooks serialises it: <c>whsec_</c> + base64 of the
/// key bytes. EmailRelay makes 32 random bytes (256 bits, within the specification's 24 to 64).
/// </summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";
    public const int KeyBytes = 32;

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>The HMAC key: the base64-decoded part after the prefix.</summary>
    /// <exception cref="FormatException">Not a <c>whsec_</c> secret.</exception>
    public static byte[] Key(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException("A webhook secret starts with 'whsec_'.");
        }
        var key = Convert.FromBase64String(secret[Prefix.Length..]);
        return key.Length > 0 ? key : throw new FormatException("A webhook secret holds at least one byte.");
    }
}
