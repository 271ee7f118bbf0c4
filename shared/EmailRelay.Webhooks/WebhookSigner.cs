using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EmailRelay.Webhooks;

/// <summary>
/// Standard Webhooks symmetric signatures: <c>v1,</c> + base64 of HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>. The <c>webhook-signature</c> header lists one
/// signature per key, space-separated, so a receiver holding either secret verifies during a rotation.
/// </summary>
public static class WebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string Version = "v1";

    /// <param name="id">The webhook-id; never contains '.', which would make the signed content ambiguous.</param>
    /// <param name="timestamp">The webhook-timestamp, unix seconds.</param>
    public static string Sign(string id, long timestamp, ReadOnlySpan<byte> body, byte[] key)
    {
        if (id.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException("A webhook id must not contain '.'.", nameof(id));
        }
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}.")));
        hmac.AppendData(body);
        return Version + "," + Convert.ToBase64String(hmac.GetHashAndReset());
    }

    /// <summary>The <c>webhook-signature</c> value: one signature per key, in the order given.</summary>
    public static string Header(string id, long timestamp, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys)
    {
        if (keys.Count == 0)
        {
            throw new ArgumentException("At least one key signs a webhook.", nameof(keys));
        }
        var signatures = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            signatures[i] = Sign(id, timestamp, body, keys[i]);
        }
        return string.Join(' ', signatures);
    }
}
