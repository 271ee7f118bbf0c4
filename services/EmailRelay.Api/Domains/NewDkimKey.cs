namespace EmailRelay.Api.Domains;

/// <summary>A key made for a domain, its private half already sealed for that domain's row.</summary>
public sealed record NewDkimKey(Guid Id, string Selector, string PublicKey, byte[] SealedPrivateKey);
