using System.Text.Json.Serialization;

namespace EmailRelay.Api.Http;

/// <summary>One keyset page of a list; <c>next_cursor</c> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, [property: JsonPropertyName("next_cursor")] string? NextCursor);
