using System.Text.Json.Nodes;
using static EmailRelay.IntegrationTests.Api.Hostile.HostileValues;

namespace EmailRelay.IntegrationTests.Api.Hostile;

/// <summary>
/// Email bodies: a valid one to start from, then a few mutations, each replacing one field (or an
/// item, key or value inside one) with something hostile. Some mutations leave the email valid
/// (an IDN domain, a .eml attachment), so accepted and refused requests are interleaved.
/// </summary>
public static class HostileEmails
{
    private static readonly string[] Fields =
        ["from", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "headers", "attachments", "tags", "metadata", "send_at"];

    public static JsonObject Valid(Random random, int serial)
    {
        var email = new JsonObject
        {
            ["from"] = "Acme <no-reply@acme.example>",
            ["to"] = new JsonArray($"r{serial}@example.net"),
            ["subject"] = $"Hostile input {serial}",
            ["text"] = "plain body",
        };
        if (random.Next(3) == 0)
        {
            email["html"] = "<p>html body</p>";
        }
        if (random.Next(3) == 0)
        {
            email["attachments"] = new JsonArray(Attachment(random));
        }
        if (random.Next(4) == 0)
        {
            email["metadata"] = new JsonObject { ["order"] = serial.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
        return email;
    }

    /// <summary>A valid email with 1 to 3 hostile mutations; the description says which.</summary>
    public static (JsonObject Email, string Description) Mutated(Random random, int serial)
    {
        var email = Valid(random, serial);
        var changes = new List<string>();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            changes.Add(Mutate(random, email));
        }
        return (email, string.Join("; ", changes));
    }

    private static string Mutate(Random random, JsonObject email)
    {
        var field = Pick(random, Fields);
        switch (random.Next(10))
        {
            case 0:
                email.Remove(field);
                return $"{field} removed";
            case 1:
                var value = AnyValue(random);
                email[field] = value;
                return $"{field} = {Describe(value)}";
            case 2:
                var unknown = Pick(random, new[] { "frm", "To", "SUBJECT", "\u0000", "\ud800", "", "attachments ", "$ref" });
                email[unknown] = "x";
                return $"unknown field {Escape(unknown)}";
        }
        switch (field)
        {
            case "from":
                var from = random.Next(2) == 0 ? Pick(random, Addresses) : HostileString(random);
                email["from"] = from;
                return $"from = {Escape(from)}";
            case "to" or "cc" or "bcc" or "reply_to":
                var list = new JsonArray();
                var n = random.Next(8) == 0 ? random.Next(45, 60) : random.Next(1, 4);
                for (var i = 0; i < n; i++)
                {
                    list.Add(random.Next(3) == 0 ? HostileString(random) : random.Next(2) == 0 ? Pick(random, Addresses) : $"ok{i}@example.net");
                }
                email[field] = list;
                return $"{field} = {n} addresses ({Escape(list.ToJsonString())[..Math.Min(120, list.ToJsonString().Length)]})";
            case "subject" or "text" or "html":
                var text = HostileString(random);
                email[field] = text;
                return $"{field} = {Escape(text)}";
            case "headers":
                var name = random.Next(3) switch
                {
                    0 => HostileString(random),
                    1 => Pick(random, new[] { "X-Campaign", "From", "content-type", "Content-Transfer-Encoding", "DKIM-Signature", "X-Ü", "X A", "X:A", "Bcc" }),
                    _ => "X-Test",
                };
                var headerValue = random.Next(4) == 0 ? null : HostileString(random);
                email["headers"] = new JsonObject { [name] = headerValue };
                return $"headers {Escape(name)} = {Escape(headerValue ?? "null")}";
            case "attachments":
                var attachment = Attachment(random);
                var part = Pick(random, new[] { "filename", "content_type", "content", "content_id" });
                attachment[part] = part switch
                {
                    "filename" => random.Next(2) == 0 ? Pick(random, Filenames) : HostileString(random),
                    "content_type" => random.Next(3) > 0 ? Pick(random, ContentTypes) : HostileString(random),
                    "content" => random.Next(3) > 0 ? Pick(random, Contents) : HostileString(random),
                    _ => random.Next(2) == 0 ? Pick(random, ContentIds) : HostileString(random),
                };
                if (random.Next(3) == 0)
                {
                    attachment.Remove("content_type");   // the type is inferred from the filename
                }
                email["attachments"] = random.Next(6) == 0 ? new JsonArray(attachment, null) : new JsonArray(attachment);
                return $"attachment {Escape(attachment.ToJsonString())[..Math.Min(160, attachment.ToJsonString().Length)]}";
            case "tags":
                var tags = new JsonArray();
                for (var i = random.Next(1, 13); i > 0; i--)
                {
                    tags.Add(random.Next(2) == 0 ? HostileString(random) : "tag" + i);
                }
                email["tags"] = tags;
                return $"tags = {Escape(tags.ToJsonString())[..Math.Min(120, tags.ToJsonString().Length)]}";
            case "metadata":
                var metadata = new JsonObject();
                for (var i = random.Next(1, 23); i > 0; i--)
                {
                    var key = random.Next(3) == 0 ? HostileString(random) : "k" + i;
                    metadata[key] = random.Next(3) == 0 ? HostileString(random) : "v";
                }
                email["metadata"] = metadata;
                return $"metadata with {metadata.Count} pairs";
            default:
                var sendAt = random.Next(3) switch
                {
                    0 => DateTimeOffset.UtcNow.AddHours(random.Next(-100, 100)).ToString("O"),
                    1 => DateTimeOffset.UtcNow.AddHours(72).AddSeconds(random.Next(-30, 30)).ToString("O"),
                    _ => Pick(random, SendAts),
                };
                email["send_at"] = sendAt;
                return $"send_at = {sendAt}";
        }
    }

    private static JsonObject Attachment(Random random) => new()
    {
        ["filename"] = Pick(random, new[] { "r.pdf", "notes.txt", "a.eml", "logo.png" }),
        ["content_type"] = Pick(random, new[] { "application/pdf", "text/plain", "image/png" }),
        ["content"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("attachment " + random.Next())),
    };

    private static string Describe(JsonNode? node)
    {
        var json = node?.ToJsonString() ?? "null";
        return json.Length <= 80 ? Escape(json) : $"{Escape(json[..60])}... ({json.Length} chars)";
    }

    /// <summary>Descriptions go to test output: control characters and lone surrogates shown escaped.</summary>
    public static string Escape(string value)
    {
        var text = new System.Text.StringBuilder();
        foreach (var c in value.Length > 200 ? value[..200] + $"...({value.Length} chars)" : value)
        {
            text.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }
        return text.ToString();
    }
}
