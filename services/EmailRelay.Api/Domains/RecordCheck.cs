namespace EmailRelay.Api.Domains;

/// <summary>
/// What a DNS lookup found for one record to publish. <see cref="Result"/> is one of
/// <see cref="RecordCheckResults"/>; <see cref="Required"/>: the domain is verified only when every
/// required record is found (the SPF and return-path records are advice, checked and reported).
/// </summary>
public sealed record RecordCheck(string Type, string Name, string Purpose, bool Required, string Result, string? Detail);
