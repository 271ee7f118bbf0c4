using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EmailRelay.Data.Bounces;

/// <summary>
/// The VERP return path (DESIGN.md §5): <c>bounces+&lt;token&gt;@&lt;bounce domain&gt;</c>, where the token
/// names one recipient of one message, so a DSN or complaint that arrives later maps back to it.
/// The sender encodes it; Tracking decodes what comes back to the bounce domain.
/// <para>
/// Token: base32 (RFC 4648 alphabet, lower case, no padding) of version (1 byte) ‖ message id
/// (16 bytes, big-endian) ‖ ordinal (2 bytes, big-endian) ‖ the first 10 bytes (80 bits) of
/// HMAC-SHA256(secret, the 19 bytes before it). 47 characters, so the local part is 55 octets
/// (RFC 5321 allows 64). Base32 has one letter case, so an MTA that lower- or upper-cases local
/// parts cannot break it; decoding ignores case. Without the secret a token can be neither made
/// nor altered: a bounce that claims a message it was not sent for is refused, not attributed.
/// </para>
/// </summary>
public sealed class VerpToken
{
    public const string LocalPartPrefix = "bounces+";

    /// <summary>The shortest secret accepted: HMAC keys should carry at least as much entropy as the MAC is long.</summary>
    public const int MinSecretLength = 32;

    /// <summary>Characters in a token.</summary>
    public const int Length = (TokenBytes * 8 + 4) / 5;

    private const byte Version = 1;
    private const int PayloadBytes = 1 + 16 + 2;
    private const int MacBytes = 10;
    private const int TokenBytes = PayloadBytes + MacBytes;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private readonly byte[] _key;

    public VerpToken(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinSecretLength)
        {
            throw new ArgumentException($"The VERP secret must be at least {MinSecretLength} characters.", nameof(secret));
        }
        _key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The token for recipient <paramref name="ordinal"/> of message <paramref name="messageId"/>.</summary>
    public string Encode(Guid messageId, short ordinal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        Span<byte> token = stackalloc byte[TokenBytes];
        token[0] = Version;
        messageId.TryWriteBytes(token[1..17], bigEndian: true, out _);
        BinaryPrimitives.WriteInt16BigEndian(token[17..PayloadBytes], ordinal);
        Mac(token[..PayloadBytes], token[PayloadBytes..]);
        return ToBase32(token);
    }

    /// <summary><c>bounces+&lt;token&gt;@<paramref name="domain"/></c>: the envelope sender (MAIL FROM) for this recipient.</summary>
    public string Address(Guid messageId, short ordinal, string domain) => $"{LocalPartPrefix}{Encode(messageId, ordinal)}@{domain}";

    /// <summary>
    /// Reads a token from an address (<c>bounces+tok@domain</c>), a local part (<c>bounces+tok</c>)
    /// or the token alone, in any letter case. False for anything this secret did not make: a wrong
    /// length or character, an unknown version, or a MAC that does not match (compared in constant time).
    /// </summary>
    public bool TryDecode(string? localPartOrAddress, out Guid messageId, out short ordinal)
    {
        messageId = Guid.Empty;
        ordinal = 0;
        if (localPartOrAddress is null)
        {
            return false;
        }
        var text = localPartOrAddress.AsSpan().Trim();
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            text = text[..at];
        }
        var plus = text.IndexOf('+');
        if (plus >= 0)
        {
            text = text[(plus + 1)..];
        }
        Span<byte> token = stackalloc byte[TokenBytes];
        if (text.Length != Length || !TryFromBase32(text, token) || token[0] != Version)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(token[..PayloadBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token[PayloadBytes..]))
        {
            return false;
        }
        var decodedOrdinal = BinaryPrimitives.ReadInt16BigEndian(token[17..PayloadBytes]);
        if (decodedOrdinal < 0)
        {
            return false;
        }
        messageId = new Guid(token[1..17], bigEndian: true);
        ordinal = decodedOrdinal;
        return true;
    }

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, payload, full);
        full[..destination.Length].CopyTo(destination);
    }

    private static string ToBase32(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(Length);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Alphabet[(buffer >> bits) & 31]);
            }
            buffer &= (1 << bits) - 1;
        }
        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }
        return text.ToString();
    }

    /// <summary>Case-insensitive; refuses a non-canonical ending (padding bits set), so each token has one spelling per case.</summary>
    private static bool TryFromBase32(ReadOnlySpan<char> text, Span<byte> destination)
    {
        int buffer = 0, bits = 0, written = 0;
        foreach (var c in text)
        {
            var value = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= 'A' and <= 'Z' => c - 'A',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (value < 0)
            {
                return false;
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                if (written == destination.Length)
                {
                    return false;
                }
                destination[written++] = (byte)(buffer >> bits);
            }
            buffer &= (1 << bits) - 1;
        }
        return written == destination.Length && buffer == 0;
    }
}
