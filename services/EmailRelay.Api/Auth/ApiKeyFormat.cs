using System.Security.Cryptography;
using System.Text;

namespace EmailRelay.Api.Auth;

/// <summary>
/// <c>er_live_</c> + 32 random bytes in base64url. Only the SHA-256 of the whole key is stored:
/// the key has 256 bits of entropy, so a fast hash is enough and keeps every request cheap.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "er_live_";
    private const int DisplayPrefixLength = 12;

    public static string NewKey() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string DisplayPrefix(string key) => key[..Math.Min(DisplayPrefixLength, key.Length)];
}
