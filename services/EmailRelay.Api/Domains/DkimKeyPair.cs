using System.Security.Cryptography;

namespace EmailRelay.Api.Domains;

/// <summary>
/// A new DKIM key: RSA 2048 (RFC 8301 asks for at least 1024 and recommends 2048; larger keys do
/// not fit one TXT string set that every DNS console takes). <see cref="PublicKey"/> is the base64
/// SubjectPublicKeyInfo, exactly the <c>p=</c> of the record (RFC 6376 §3.6.1); the private key is
/// PKCS#8, to be sealed before it is stored and cleared after.
/// </summary>
public sealed class DkimKeyPair : IDisposable
{
    public const int KeySizeBits = 2048;

    private DkimKeyPair(string selector, string publicKey, byte[] privateKey) =>
        (Selector, PublicKey, PrivateKey) = (selector, publicKey, privateKey);

    public string Selector { get; }
    public string PublicKey { get; }
    public byte[] PrivateKey { get; }

    public static DkimKeyPair Generate(string selector)
    {
        using var rsa = RSA.Create(KeySizeBits);
        return new DkimKeyPair(selector, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), rsa.ExportPkcs8PrivateKey());
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(PrivateKey);
}
