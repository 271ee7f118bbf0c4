namespace EmailRelay.Api.ApiKeys;

/// <summary>The one response that carries the key itself.</summary>
public sealed record CreatedApiKey(Guid Id, string Name, string Key, string Prefix, string[] Scopes, Guid? ProjectId, DateTime CreatedAt);
