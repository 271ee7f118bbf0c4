namespace EmailRelay.Api.Auth;

/// <summary>
/// A key as listed (never the key itself). Times are UTC <see cref="DateTime"/>s, as Npgsql reads
/// timestamptz. A class rather than a positional record: Dapper matches constructors only on exact
/// column types, and text[] is System.Array.
/// </summary>
public sealed class ApiKeyRecord
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Prefix { get; init; } = "";
    public string[] Scopes { get; init; } = [];

    /// <summary>Null for an operator key.</summary>
    public Guid? ProjectId { get; init; }

    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
}
