using System.Security.Cryptography;

namespace EmailRelay.Api.Domains;

/// <summary>
/// Random lower-case base32 (RFC 4648 alphabet): letters and the digits 2-7 only, so the text is a
/// valid DNS label character by character and reads unambiguously when copied into a DNS console.
/// </summary>
public static class Base32Text
{
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary><paramref name="length"/> characters, 5 random bits each, from the system's CSPRNG.</summary>
    public static string Random(int length) =>
        string.Create(length, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
}
