namespace EmailRelay.Api.Domains;

/// <summary>
/// A DKIM key of a domain as the API shows it (never its private key). <c>retire_after</c>: for a
/// key a rotation replaced, until when its record must stay published.
/// </summary>
public sealed record DkimKeyResponse(string Selector, string State, DateTime CreatedAt, DateTime? ActivatedAt, DateTime? RetireAfter);
