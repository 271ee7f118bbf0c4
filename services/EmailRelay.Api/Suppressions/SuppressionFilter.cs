namespace EmailRelay.Api.Suppressions;

/// <summary>
/// What <c>GET /v1/suppressions</c> asked for. <see cref="Project"/> null: an operator's view of
/// every project; <see cref="Email"/> in envelope form, compared case-insensitively.
/// </summary>
public sealed record SuppressionFilter(Guid? Project, string? Email, string? Reason, int Limit, SuppressionPosition? After);
