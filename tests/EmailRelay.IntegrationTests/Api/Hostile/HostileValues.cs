using System.Text.Json.Nodes;

namespace EmailRelay.IntegrationTests.Api.Hostile;

/// <summary>
/// The raw material of hostile requests: strings with every kind of character that has broken a
/// parser, a database or a header somewhere, and JSON values of every wrong type and size.
/// </summary>
public static class HostileValues
{
    /// <summary>Strings that are hostile wherever they land. Lone surrogates are written as JSON escapes by the serialiser.</summary>
    public static readonly string[] Strings =
    [
        "", " ", "\u0000", "a\u0000b", "\u0001", "x\u0007y", "\t", "\r\n", "x\r\nBcc: victim@example.org", "\n", "\r",
        "\u007f", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\ud800", "a\udc00b", "\udbff\udfff", "\ud83d\ude00",
        "\u202e", "ü", "日本語", "=?utf-8?b?AA==?=", "%00", "\\", "\"", "'", "';DROP TABLE messages;--", "${jndi:ldap://x}",
        "{{7*7}}", "<script>alert(1)</script>", "null", "true", "0", "-1", "NaN", "Infinity", "1e309", "-infinity",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "\u0000\u0000\u0000\u0000", "a:b", ":", "; charset=\"", "\"unterminated",
    ];

    public static readonly string[] Addresses =
    [
        "a@example.net", "Bob <bob@example.org>", "ümlaut@example.net", "用户@例子.广告", "a@bücher.example", "a@xn--zz.com",
        "a@" + new string('ä', 70) + ".com", new string('l', 64) + "@example.net", new string('l', 65) + "@example.net",
        "a@" + string.Join('.', Enumerable.Repeat(new string('d', 60), 5)) + ".com", "\"a b\"@example.net", "a@[1.2.3.4]",
        "a@[IPv6:::1]", "<>", "@", "a@b", "a@", "@example.net", "g: a@example.net;", "a@example.net, b@example.net",
        new string('(', 500) + "a@example.net", "a@example.net (comment)", "=?utf-8?b?AA==?= <a@example.net>",
        "\"\u0000\"@example.net", "a\u0000@example.net", "Name\r\n <a@example.net>", "a@ex\u0000ample.net", "a@example.net\u0001",
        "é <a@example.net>", "a@-example.net", "a@example..net", "a..b@example.net", ".a@example.net", "a@example.net.",
        "<a@example.net>", "<<a@example.net>>", "a@@example.net", "a@exa mple.net", "a\"b@example.net", "\ud800@example.net",
        "a@\ud800.net", "a@" + new string('x', 250) + ".net", "a@localhost", "a@123.123.123.123", "a+tag@example.net",
    ];

    public static readonly string[] ContentTypes =
    [
        "application/pdf", "text/plain", "text/plain; charset=utf-8", "text/html; charset=\"x\"", "message/rfc822",
        "message/partial; id=1; number=1", "message/delivery-status", "multipart/mixed", "multipart/mixed; boundary=x",
        "Multipart/Alternative", "MESSAGE/RFC822", "application/octet-stream", "image/png", "", "/", "text/", "/plain",
        "text/plain; =", "text/plain;;;", "application/x-" + new string('a', 300), "text/plain; name=\"a\r\nb\"",
        "text/plain\u0000", "application/json; charset=\ud800",
    ];

    public static readonly string[] Filenames =
    [
        "a.eml", "b.EML", "c.mht", "d.pdf", "e", ".", "..", "../../etc/passwd", "a\\b.txt", "\u0000.txt", "a\r\nb.txt", "日本.txt",
        "\ud800.txt", new string('f', 1000) + ".txt", " ", "", "a.p7m", "winmail.dat", "x.msg", "y.mbox", "z.ics",
    ];

    public static readonly string[] ContentIds =
    [
        "logo@acme.example", "logo", "(@\"x", "<a@b>", "a b", "a@b@c", "@", "a@", "@b", "ü@x", "a\u0000b", "[x]", "a;b", "\"q\"@x",
    ];

    /// <summary>Base64 content: valid, empty, not base64, not a MIME message, half a message.</summary>
    public static readonly string[] Contents =
    [
        "", "AA==", "aGVsbG8=", "not base64!", "====", "A", "aGVsbG8", Convert.ToBase64String("From: a@b.c\r\n\r\nhi"u8.ToArray()),
        Convert.ToBase64String("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"u8.ToArray()),
        Convert.ToBase64String(new byte[] { 0, 0xff, 0xfe, 0x0d }), "\u0000", "aGVs\r\nbG8=",
    ];

    public static readonly string[] SendAts =
    [
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00",
        "1970-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "now", "", "tomorrow", "2026-01-01", "2026-01-01T00:00:00",
        "2026-01-01T25:00:00Z", "-infinity", "infinity", "2026-01-01T00:00:00.123456789012Z",
    ];

    /// <summary>A JSON value of any type, sometimes very large or very deep.</summary>
    public static JsonNode? AnyValue(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.Next(int.MinValue, int.MaxValue)),
        3 => JsonNode.Parse("1e308"),
        4 => JsonNode.Parse("123456789012345678901234567890123456789"),
        5 => JsonValue.Create(-0.5),
        6 => new JsonArray(),
        7 => new JsonObject(),
        8 => Deep(random.Next(10, 200)),
        9 => new JsonArray(Enumerable.Range(0, random.Next(100, 3000)).Select(i => (JsonNode?)JsonValue.Create("x" + i)).ToArray()),
        10 => JsonValue.Create(new string('a', random.Next(1000, 200_000))),
        11 => new JsonObject { ["nested"] = JsonValue.Create("x") },
        12 => new JsonArray(JsonValue.Create(1), null, new JsonObject()),
        _ => JsonValue.Create(Pick(random, Strings)),
    };

    /// <summary>Arrays within arrays (or objects within objects) to the given depth.</summary>
    public static JsonNode Deep(int depth)
    {
        JsonNode node = JsonValue.Create("bottom");
        for (var i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["a"] = node };
        }
        return node;
    }

    /// <summary>A string from <see cref="Strings"/>, sometimes wrapped in ordinary text or repeated.</summary>
    public static string HostileString(Random random)
    {
        var core = Pick(random, Strings);
        return random.Next(4) switch
        {
            0 => core,
            1 => "x" + core + "y",
            2 => string.Concat(Enumerable.Repeat(core, random.Next(2, 50))),
            _ => core + new string('z', random.Next(0, 2000)),
        };
    }

    public static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];
}
