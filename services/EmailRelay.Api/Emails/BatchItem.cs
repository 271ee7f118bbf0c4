using System.Text.Json.Serialization;

namespace EmailRelay.Api.Emails;

/// <summary>One item of a batch answer: the accepted email's id and status, or the problem that refused it.</summary>
public sealed record BatchItem(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status,
    // object, so the serializer writes the runtime type: a validation problem keeps its errors.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Error);
