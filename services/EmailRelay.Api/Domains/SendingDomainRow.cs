namespace EmailRelay.Api.Domains;

/// <summary>A row of <c>sending_domains</c>; a class with setters, as Dapper maps by name.</summary>
public sealed class SendingDomainRow
{
    public Guid Id { get; init; }
    public Guid ProjectId { get; init; }
    public string Name { get; init; } = "";
    public string Status { get; init; } = DomainStates.Pending;
    public string VerificationToken { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime? VerifiedAt { get; init; }
    public DateTime? LastCheckedAt { get; init; }

    /// <summary>The jsonb of the last check: the <see cref="RecordCheck"/> list as the API showed it.</summary>
    public string? LastCheck { get; init; }
}
