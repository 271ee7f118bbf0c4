namespace EmailRelay.Api.Suppressions;

/// <summary>The body of <c>POST /v1/suppressions</c>; nullable so a missing field is named by validation.</summary>
public sealed record CreateSuppressionRequest
{
    public string? Email { get; init; }

    /// <summary><c>manual</c>, the only reason the API creates; the default.</summary>
    public string? Reason { get; init; }

    /// <summary>When the suppression stops applying; null: until it is deleted.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
