namespace EmailRelay.Api.Domains;

/// <summary>
/// A sending domain: the DNS <c>records</c> to publish (one DKIM record per listed key, so both
/// selectors during a rotation), its keys, and what the last check (<c>POST …/verify</c>) found for
/// each record; <c>last_check</c> is null until the first check.
/// </summary>
public sealed record DomainResponse(
    Guid Id,
    Guid ProjectId,
    string Name,
    string Status,
    IReadOnlyList<DomainDnsRecord> Records,
    IReadOnlyList<DkimKeyResponse> DkimKeys,
    DateTime CreatedAt,
    DateTime? VerifiedAt,
    DateTime? LastCheckedAt,
    IReadOnlyList<RecordCheck>? LastCheck);
