using EmailRelay.Data.Domains;

namespace EmailRelay.Api.Domains;

/// <summary>
/// Makes a domain's DKIM keys and seals their private halves under <c>Dkim__MasterKey</c>, bound to
/// the domain's id (<see cref="DkimKeyProtector"/>): the plain private key exists only in this
/// method's memory, is cleared after, and is never logged or returned.
/// </summary>
public sealed class DkimKeyFactory(DkimKeyProtector protector, TimeProvider time)
{
    /// <summary>Without a master key no key can be stored, so no domain can be added or rotated.</summary>
    public bool IsConfigured => protector.IsConfigured;

    /// <param name="takenSelectors">The domain's selectors so far, retired ones too (a selector is never reused: old signatures name it).</param>
    public NewDkimKey Create(Guid domainId, IReadOnlyCollection<string> takenSelectors)
    {
        var now = time.GetUtcNow();
        string selector;
        do
        {
            selector = DkimSelector.New(now);
        }
        while (takenSelectors.Contains(selector));
        using var pair = DkimKeyPair.Generate(selector);
        return new NewDkimKey(Guid.CreateVersion7(now), selector, pair.PublicKey, protector.Seal(pair.PrivateKey, domainId));
    }
}
