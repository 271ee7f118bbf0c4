using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.Api.Http;

/// <summary>
/// Reads a JSON request body by hand so every way it can be wrong gets its own problem: 415 for a
/// non-JSON type, 413 past the limit, 400 naming the JSON path of a syntax or type error.
/// </summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>
    /// Reads the body, never more than one byte past <paramref name="maxBytes"/>: the buffer grows
    /// with what actually arrives, so a Content-Length that lies (or a chunked body) costs the
    /// server only what the client really sent, and Kestrel's own per-request limit is set to the
    /// same number so it cuts the connection's body off at the limit too.
    /// </summary>
    public static async Task<BodyResult> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return BodyResult.Fail(Problems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "The body must be JSON: 'Content-Type: application/json'."));
        }
        var charset = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType).Charset.Value?.Trim('"');
        if (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) &&
            !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            // JSON is UTF-8 on the wire (RFC 8259 §8.1); reading UTF-16 as UTF-8 would only give a confusing syntax error.
            return BodyResult.Fail(Problems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "The body must be UTF-8 JSON: 'Content-Type: application/json; charset=utf-8'."));
        }
        if (request.ContentLength > maxBytes)
        {
            return BodyResult.Fail(TooLarge(maxBytes));
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // One byte over, so a body of exactly maxBytes + 1 is still seen here and answered by the check below.
            limit.MaxRequestBodySize = maxBytes + 1;
        }
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                // Sliced: GetMemory may hand out more than asked, and one byte past the limit is all that is ever read.
                var want = (int)Math.Min(64 * 1024, maxBytes + 1 - buffer.WrittenCount);
                var memory = buffer.GetMemory(want)[..want];
                var read = await request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    break;
                }
                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes)
                {
                    return BodyResult.Fail(TooLarge(maxBytes));
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's verdict on the body (over its limit, truncated, bad chunking): the client's
            // fault, answered as a problem rather than left to become a 500.
            return BodyResult.Fail(ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(maxBytes)
                : Problems.Field("$", "The request body could not be read: " + ex.Message, ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : StatusCodes.Status400BadRequest));
        }
        return BodyResult.Ok(buffer.WrittenMemory);
    }

    /// <summary>Deserialises, turning a <see cref="JsonException"/> into a 400 naming the field.</summary>
    public static bool TryParse<T>(ReadOnlySpan<byte> json, out T? value, out ProblemHttpResult? problem) where T : class
    {
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException ex)
        {
            value = null;
            problem = Problems.Field(FieldName(ex.Path), Describe(ex));
            return false;
        }
        return NotNull(value, "The body must be a JSON object.", out problem);
    }

    /// <summary>The same for one item of a batch, already parsed as part of the whole body.</summary>
    public static bool TryParse<T>(JsonElement element, out T? value, out ProblemHttpResult? problem) where T : class
    {
        try
        {
            value = element.Deserialize<T>(Options);
        }
        catch (JsonException ex)
        {
            value = null;
            problem = Problems.Field(FieldName(ex.Path), Describe(ex));
            return false;
        }
        return NotNull(value, "Each item must be a JSON object.", out problem);
    }

    private static bool NotNull<T>(T? value, string message, out ProblemHttpResult? problem) where T : class
    {
        problem = value is null ? Problems.Field("$", message) : null;
        return value is not null;
    }

    /// <summary>"$.to[1]" → "to[1]", the field path form API.md uses.</summary>
    private static string FieldName(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string Describe(JsonException ex)
    {
        // The framework's own messages name .NET types; callers need the JSON view of the mistake.
        var message = ex.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "Unknown field.";
        }
        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "The value has the wrong JSON type for this field.";
        }
        return $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).";
    }

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        Problems.Field("$", $"The request body exceeds the limit of this endpoint, {Describe(maxBytes)}.", StatusCodes.Status413PayloadTooLarge);

    private static string Describe(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";
}

public readonly record struct BodyResult(ReadOnlyMemory<byte> Body, ProblemHttpResult? Problem)
{
    public static BodyResult Ok(ReadOnlyMemory<byte> body) => new(body, null);
    public static BodyResult Fail(ProblemHttpResult problem) => new(default, problem);
}
