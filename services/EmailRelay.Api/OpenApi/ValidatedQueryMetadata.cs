namespace EmailRelay.Api.OpenApi;

/// <summary>
/// The query parameters a handler reads and checks itself (so the framework cannot see them); a bad
/// value is a 400 naming the parameter.
/// </summary>
public sealed record ValidatedQueryMetadata(IReadOnlyList<QueryParameterDoc> Parameters);
