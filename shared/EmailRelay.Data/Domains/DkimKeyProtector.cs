using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace EmailRelay.Data.Domains;

/// <summary>
/// Seals DKIM private keys for the database with AES-256-GCM under <c>Dkim__MasterKey</c>. The
/// domain's id is authenticated with each key (associated data), so a sealed key copied onto another
/// domain's row does not open. Layout: version (1) ‖ nonce (12) ‖ tag (16) ‖ ciphertext.
/// </summary>
public sealed class DkimKeyProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[]? _key;

    public DkimKeyProtector(IOptions<DkimOptions> options)
    {
        if (options.Value.HasMasterKey && DkimOptions.TryDecode(options.Value.MasterKey!, out var key))
        {
            _key = key;
        }
    }

    /// <summary>Whether a master key is configured: without one no key can be sealed or opened.</summary>
    public bool IsConfigured => _key is not null;

    public byte[] Seal(ReadOnlySpan<byte> privateKey, Guid domainId)
    {
        var key = _key ?? throw new InvalidOperationException("Dkim:MasterKey is not set.");
        var sealedKey = new byte[1 + NonceSize + TagSize + privateKey.Length];
        sealedKey[0] = Version;
        var nonce = sealedKey.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, privateKey, sealedKey.AsSpan(1 + NonceSize + TagSize), sealedKey.AsSpan(1 + NonceSize, TagSize), domainId.ToByteArray());
        return sealedKey;
    }

    /// <summary>Opens a sealed key; throws <see cref="CryptographicException"/> when it was sealed under another master key or domain.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedKey, Guid domainId)
    {
        var key = _key ?? throw new InvalidOperationException("Dkim:MasterKey is not set.");
        if (sealedKey.Length < 1 + NonceSize + TagSize || sealedKey[0] != Version)
        {
            throw new CryptographicException("Not a sealed DKIM key of a known version.");
        }
        var privateKey = new byte[sealedKey.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedKey.Slice(1, NonceSize), sealedKey[(1 + NonceSize + TagSize)..], sealedKey.Slice(1 + NonceSize, TagSize), privateKey,
            domainId.ToByteArray());
        return privateKey;
    }
}
