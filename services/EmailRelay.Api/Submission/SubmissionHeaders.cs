using System.Text;

namespace EmailRelay.Api.Submission;

/// <summary>
/// The X-EmailRelay-Tags / X-EmailRelay-Metadata fields of a submitted message: their values are
/// taken and the fields are cut out of the header section byte for byte. Written by hand rather
/// than through MimeKit on purpose: the message is stored as received (DKIM signatures made
/// upstream and 8-bit bodies must survive), and re-serialising a parsed message may re-fold or
/// re-encode what it did not have to touch.
/// </summary>
public static class SubmissionHeaders
{
    public const string TagsField = "X-EmailRelay-Tags";
    public const string MetadataField = "X-EmailRelay-Metadata";

    /// <summary>
    /// Splits <paramref name="message"/> into the message without the relay's fields and their
    /// unfolded values (UTF-8), in order. The header section ends at the first empty line; a
    /// field starts on a line that does not begin with a space or tab (RFC 5322 §2.2.3).
    /// </summary>
    public static SubmittedHeaders Extract(ReadOnlySpan<byte> message)
    {
        var kept = new MemoryStream(message.Length);
        var tags = new List<string>();
        var metadata = new List<string>();
        var position = 0;
        while (position < message.Length)
        {
            var lineEnd = LineEnd(message, position);
            var line = message[position..lineEnd];
            if (IsBlank(line))
            {
                break;   // the empty line that ends the header section: the rest is the body
            }
            // The field runs on over continuation lines.
            var fieldEnd = lineEnd;
            while (fieldEnd < message.Length && message[fieldEnd] is (byte)' ' or (byte)'\t')
            {
                fieldEnd = LineEnd(message, fieldEnd);
            }
            var field = message[position..fieldEnd];
            var colon = field.IndexOf((byte)':');
            var name = colon > 0 ? Encoding.ASCII.GetString(field[..colon]).Trim() : "";
            if (name.Equals(TagsField, StringComparison.OrdinalIgnoreCase))
            {
                tags.Add(Unfold(field[(colon + 1)..]));
            }
            else if (name.Equals(MetadataField, StringComparison.OrdinalIgnoreCase))
            {
                metadata.Add(Unfold(field[(colon + 1)..]));
            }
            else
            {
                kept.Write(field);
            }
            position = fieldEnd;
        }
        kept.Write(message[position..]);
        return new SubmittedHeaders(kept.ToArray(), tags, metadata);
    }

    /// <summary>Comma-separated tags, or a JSON array of strings; empty items are dropped.</summary>
    public static List<string?> ParseTags(IEnumerable<string> values)
    {
        var tags = new List<string?>();
        foreach (var value in values)
        {
            var text = value.Trim();
            if (text.StartsWith('['))
            {
                tags.AddRange(System.Text.Json.JsonSerializer.Deserialize<List<string?>>(text) ?? []);
                continue;
            }
            tags.AddRange(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
        return tags;
    }

    /// <summary>A JSON object of string values, as <c>metadata</c> in POST /v1/emails.</summary>
    /// <exception cref="System.Text.Json.JsonException">Not such an object.</exception>
    public static Dictionary<string, string?> ParseMetadata(string value) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string?>>(value.Trim())
        ?? throw new System.Text.Json.JsonException("null is not a metadata object");

    private static int LineEnd(ReadOnlySpan<byte> message, int start)
    {
        var lf = message[start..].IndexOf((byte)'\n');
        return lf < 0 ? message.Length : start + lf + 1;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line is [(byte)'\n'] or [(byte)'\r', (byte)'\n'];

    private static string Unfold(ReadOnlySpan<byte> value) =>
        Encoding.UTF8.GetString(value).Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
}

/// <summary>The message without the relay's fields, and the values those fields had.</summary>
public sealed record SubmittedHeaders(byte[] Message, IReadOnlyList<string> Tags, IReadOnlyList<string> Metadata);
