namespace EmailRelay.Api.Suppressions;

/// <summary>Where a page of the suppression list starts: strictly after this entry.</summary>
public readonly record struct SuppressionPosition(DateTime CreatedAt, Guid ProjectId, string Address);
