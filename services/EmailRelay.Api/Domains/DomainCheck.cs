namespace EmailRelay.Api.Domains;

/// <summary>
/// What one verification found: each record's result, the pending key to activate (its record was
/// found), and the status that follows — true verified, false pending, null unknown (a lookup
/// failed and nothing required was found missing, so the status stays as it is).
/// </summary>
public sealed record DomainCheck(IReadOnlyList<RecordCheck> Records, Guid? ActivateKeyId, bool? Verified);
