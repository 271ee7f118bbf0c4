using Microsoft.OpenApi;

namespace EmailRelay.Api.OpenApi;

/// <summary>How one query parameter is documented: its JSON type and the values it accepts.</summary>
public sealed record QueryParameterDoc(
    string Name, string Description, JsonSchemaType Type, string? Format = null, IReadOnlyList<string>? Values = null,
    int? Minimum = null, int? Maximum = null, int? Default = null)
{
    public static QueryParameterDoc Text(string name, string description) => new(name, description, JsonSchemaType.String);

    public static QueryParameterDoc Time(string name, string description) =>
        new(name, description + " (RFC 3339).", JsonSchemaType.String, Format: "date-time");

    public static QueryParameterDoc Id(string name, string description) => new(name, description, JsonSchemaType.String, Format: "uuid");

    public static QueryParameterDoc OneOf(string name, string description, IReadOnlyList<string> values) =>
        new(name, description, JsonSchemaType.String, Values: values);

    public static QueryParameterDoc Limit(int max = 100, int defaultLimit = 50) =>
        new("limit", "Page size.", JsonSchemaType.Integer, Format: "int32", Minimum: 1, Maximum: max, Default: defaultLimit);

    public static QueryParameterDoc Cursor(string description) => new("cursor", description, JsonSchemaType.String);
}
