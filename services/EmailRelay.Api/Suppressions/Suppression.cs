namespace EmailRelay.Api.Suppressions;

/// <summary>
/// One entry of a project's suppression list. <see cref="SourceEventId"/> and
/// <see cref="SourceEmailId"/> name the bounce or complaint that caused an automatic entry; both
/// are null for a manual one.
/// </summary>
public sealed record Suppression(
    string Email,
    string Reason,
    Guid? SourceEventId,
    Guid? SourceEmailId,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    Guid ProjectId);
