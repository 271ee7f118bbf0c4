using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

public static class Json
{
    /// <summary>The API's wire format: snake_case names.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString() ?? "";

    public static JsonElement Recipient(this JsonElement email, string address) =>
        email.GetProperty("recipients").EnumerateArray().Single(r => r.Str("email") == address);

    public static IEnumerable<JsonElement> Events(this JsonElement email, string? type = null) =>
        email.GetProperty("events").EnumerateArray().Where(e => type is null || e.Str("type") == type);
}
