namespace EmailRelay.Api.Http;

/// <summary>A whole list in the <c>{"data": [...]}</c> envelope, for lists short enough to need no pages.</summary>
public sealed record DataList<T>(IReadOnlyList<T> Data);
