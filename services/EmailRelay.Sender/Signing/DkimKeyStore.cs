using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EmailRelay.Data.Domains;
using MimeKit.Cryptography;
using Npgsql;

namespace EmailRelay.Sender.Signing;

/// <summary>
/// The key a project signs a domain's mail with: the active DKIM key of that project's sending
/// domain, and only once the domain is verified. The database is the truth; an answer (a key or
/// "none") is kept for <see cref="CacheFor"/> so a busy domain costs one query a minute per sender,
/// not one per message.
/// </summary>
/// <remarks>
/// A rotation or a verification is seen within <see cref="CacheFor"/>: a rotated-out key keeps its
/// DNS record while it is 'retiring' (far longer than a minute), so a message signed with it in
/// that window still verifies.
/// </remarks>
public sealed partial class DkimKeyStore(NpgsqlDataSource dataSource, DkimKeyProtector protector, TimeProvider time, ILogger<DkimKeyStore> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    // Answers for many (project, domain) pairs can pile up, e.g. from unverified domains when
    // Senders__RequireVerifiedDomain is off: past this, expired answers are swept out.
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<(Guid ProjectId, string Domain), Entry> _cache = new();

    /// <summary>
    /// The signer for <paramref name="domain"/> (an A-label, any case) of the project, or null when the
    /// project has no verified domain of that name or the domain has no active key.
    /// </summary>
    /// <exception cref="DkimSigningException">The active key exists but cannot be opened.</exception>
    public async ValueTask<DkimSigner?> FindAsync(Guid projectId, string domain, CancellationToken cancellationToken)
    {
        var key = (projectId, domain.ToLowerInvariant());
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Signer;
        }
        var signer = await LoadAsync(projectId, key.Item2, cancellationToken);
        if (_cache.Count > SweepAbove)
        {
            foreach (var (stale, entry) in _cache)
            {
                if (entry.ExpiresAt <= now)
                {
                    _cache.TryRemove(stale, out _);
                }
            }
        }
        _cache[key] = new Entry(signer, now + CacheFor);
        return signer;
    }

    private async Task<DkimSigner?> LoadAsync(Guid projectId, string domain, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, k.selector, k.private_key
            FROM sending_domains d JOIN dkim_keys k ON k.domain_id = d.id AND k.state = 'active'
            WHERE d.project_id = $1 AND d.name = $2 AND d.status = 'verified'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        command.Parameters.Add(new NpgsqlParameter { Value = domain });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var domainId = reader.GetGuid(0);
        var selector = reader.GetString(1);
        var sealedKey = reader.GetFieldValue<byte[]>(2);
        try
        {
            return Create(protector.Open(sealedKey, domainId), domain, selector, time);
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or FormatException or IOException)
        {
            // Not cached: once the operator fixes the master key the next message signs.
            LogUnusableKey(logger, domain, selector, projectId, ex.GetType().Name, ex.Message);
            throw new DkimSigningException($"The active DKIM key of {domain} (selector {selector}) cannot be used: {ex.Message}", ex);
        }
    }

    /// <summary>A relaxed/relaxed RSA-SHA256 signer for a PKCS#8 private key, its t= from <paramref name="time"/>.</summary>
    public static DkimSigner Create(byte[] pkcs8, string domain, string selector, TimeProvider time)
    {
        // MimeKit reads keys as PEM; PKCS#8 is the "PRIVATE KEY" block.
        using var pem = new MemoryStream(Encoding.ASCII.GetBytes(PemEncoding.Write("PRIVATE KEY", pkcs8)));
        return new TimedDkimSigner(pem, pkcs8, domain, selector, time)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    private sealed record Entry(DkimSigner? Signer, DateTimeOffset ExpiresAt);

    /// <summary>
    /// MimeKit's signer, its t= (signing time) taken from the injected clock and its RSA operation
    /// done by .NET (<see cref="RsaSha256Signer"/>). One RSA object per thread: a signer is shared
    /// by every delivery of its domain, and an RSA instance is not documented as thread-safe.
    /// </summary>
    private sealed class TimedDkimSigner(Stream key, byte[] pkcs8, string domain, string selector, TimeProvider time)
        : DkimSigner(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
    {
        private readonly ThreadLocal<RSA> _rsa = new(() =>
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return rsa;
        });

        protected override long GetTimestamp() => time.GetUtcNow().ToUnixTimeSeconds();

        protected override Org.BouncyCastle.Crypto.ISigner CreateSigningContext() => new RsaSha256Signer(_rsa.Value!);
    }

    [LoggerMessage(EventId = 2801, Level = LogLevel.Error,
        Message = "The active DKIM key of {Domain} (selector {Selector}, project {ProjectId}) cannot be opened ({ErrorType}: {Error}); its messages are held back until it can")]
    private static partial void LogUnusableKey(ILogger logger, string domain, string selector, Guid projectId, string errorType, string error);
}
