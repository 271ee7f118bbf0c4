using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EmailRelay.IntegrationTests.Infrastructure;
using static EmailRelay.IntegrationTests.Api.Hostile.HostileValues;

namespace EmailRelay.IntegrationTests.Api.Hostile;

/// <summary>
/// A seeded stream of malformed and hostile requests: the same seed gives the same requests, so a
/// failure is replayed by running with that seed. Categories are taken in a fixed rotation with
/// random contents, so every category is exercised in every run.
/// </summary>
public sealed class HostileRequestGenerator(int seed)
{
    private const string Bearer = "Bearer " + RelayStack.BootstrapKey;

    // Weights: mutated emails are the bulk, every other kind appears many times in 2,000 requests.
    private static readonly (string Name, int Weight)[] Categories =
    [
        ("email", 9), ("batch", 2), ("broken-json", 3), ("headers", 2), ("query", 3), ("api-keys", 1), ("projects", 1), ("settings", 2), ("raw", 3),
    ];

    private readonly Random _random = new(seed);
    private readonly List<string> _idempotencyKeys = ["k-1", "k-2", "k-3", "k-4"];
    private int _serial;
    private int _rawCase;

    public IEnumerable<HostileRequest> Generate(int count)
    {
        var rotation = Categories.SelectMany(c => Enumerable.Repeat(c.Name, c.Weight)).ToArray();
        for (var i = 0; i < count; i++)
        {
            _serial = i;
            yield return rotation[i % rotation.Length] switch
            {
                "email" => Email(),
                "batch" => Batch(),
                "broken-json" => BrokenJson(),
                "headers" => HeaderOddity(),
                "query" => Query(),
                "api-keys" => ApiKeys(),
                "projects" => Projects(),
                "settings" => Settings(),
                _ => Raw(),
            };
        }
    }

    private HostileRequest Email()
    {
        var (email, description) = HostileEmails.Mutated(_random, _serial);
        return new HostileRequest("email", description, HttpMethod.Post, "v1/emails", Utf8(email.ToJsonString()), Headers: MaybeIdempotency());
    }

    private HostileRequest Batch()
    {
        var items = new JsonArray();
        var n = _random.Next(12) == 0 ? 501 : _random.Next(1, 6);
        for (var i = 0; i < n; i++)
        {
            items.Add(_random.Next(8) switch
            {
                0 => AnyValue(_random),
                1 or 2 => HostileEmails.Valid(_random, _serial * 1000 + i),
                _ => HostileEmails.Mutated(_random, _serial * 1000 + i).Email,
            });
        }
        JsonNode body = _random.Next(10) switch
        {
            0 => new JsonObject { ["emails"] = AnyValue(_random) },
            1 => new JsonObject { ["emails"] = items, ["extra"] = 1 },
            2 => items,
            _ => new JsonObject { ["emails"] = items },
        };
        return new HostileRequest("batch", $"{n} items", HttpMethod.Post, "v1/emails/batch", Utf8(body.ToJsonString()), Headers: MaybeIdempotency());
    }

    private HostileRequest BrokenJson()
    {
        var valid = Utf8(HostileEmails.Valid(_random, _serial).ToJsonString());
        var path = _random.Next(4) == 0 ? "v1/emails/batch" : "v1/emails";
        var (description, body) = _random.Next(12) switch
        {
            0 => ("truncated", valid[.._random.Next(valid.Length)]),
            1 => ("byte flipped", Flip(valid, _random.Next(1, 5))),
            2 => ("invalid UTF-8 in a string", Replace(valid, "plain body", [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])),
            3 => ("UTF-8 BOM", [0xef, 0xbb, 0xbf, .. valid]),
            4 => ("nested 10,000 deep", Utf8(new string('[', 10_000) + new string(']', 10_000))),
            5 => ("huge number", Replace(valid, "\"plain body\"", Utf8("1" + new string('0', 100_000)))),
            6 => ("trailing garbage", [.. valid, .. Utf8(" {}{}")]),
            7 => ("comments", Utf8("/* hi */" + Encoding.UTF8.GetString(valid))),
            8 => ("empty", []),
            9 => ("NUL bytes", [.. valid[..10], 0, 0, .. valid[10..]]),
            10 => ("UTF-16", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(valid))),
            _ => ("duplicate keys", Utf8("{\"subject\":\"a\",\"subject\":\"b\",\"from\":\"a@acme.example\",\"to\":[\"x@example.net\"],\"text\":\"t\",\"metadata\":{\"a\":\"1\",\"a\":\"\\u0000\"}}")),
        };
        return new HostileRequest("broken-json", description, HttpMethod.Post, path, body);
    }

    private HostileRequest HeaderOddity()
    {
        var body = Utf8(HostileEmails.Valid(_random, _serial).ToJsonString());
        switch (_random.Next(4))
        {
            case 0:
                var contentType = Pick(_random, new[]
                {
                    "text/plain", "application/json; charset=utf-16", "application/json; charset=latin1", "application/json; charset=\"utf-8\"",
                    "application/json;charset=UTF8", "multipart/form-data; boundary=x", "application/jsonx", "application/problem+json",
                    "application/vnd.api+json", "*/*", "application/json; charset", "application/json; q=0.5; q=1", "json",
                    "application/x-www-form-urlencoded",
                });
                return new HostileRequest("headers", $"Content-Type {contentType}", HttpMethod.Post, "v1/emails", body, contentType);
            case 1:
                return new HostileRequest("headers", "no Content-Type", HttpMethod.Post, "v1/emails", body, ContentType: null);
            case 2:
                var key = Pick(_random, new[] { "", " ", new string('k', 255), new string('k', 256), "ü", "a b", "k-1", "\u00a0" });
                var keys = _random.Next(3) == 0 ? new[] { key, "k-2" } : new[] { key };
                return new HostileRequest("headers", $"Idempotency-Key x{keys.Length} '{HostileEmails.Escape(key)}'", HttpMethod.Post, "v1/emails",
                    body, Headers: keys.Select(k => KeyValuePair.Create("Idempotency-Key", k)).ToList());
            default:
                var authorization = Pick(_random, new[]
                {
                    "Bearer", "Bearer ", "bearer " + RelayStack.BootstrapKey, "Bearer  " + RelayStack.BootstrapKey + "  ", "Basic dXNlcjpwYXNz",
                    "Bearer er_live_unknown", "Bearer " + new string('k', 8000), "Token x", "Bearer\t" + RelayStack.BootstrapKey,
                });
                return new HostileRequest("headers", $"Authorization '{HostileEmails.Escape(authorization)[..Math.Min(40, authorization.Length)]}'",
                    HttpMethod.Post, "v1/emails", body, Headers: [KeyValuePair.Create("Authorization", authorization)], Authorized: false);
        }
    }

    private HostileRequest Query()
    {
        var events = _random.Next(3) == 0;
        string[] names = events
            ? ["type", "recipient", "email_id", "since", "limit", "cursor", "project_id"]
            : ["status", "recipient", "from", "tag", "since", "until", "limit", "cursor", "project_id"];
        var parameters = new List<string>();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var name = _random.Next(10) == 0 ? HostileString(_random) : Pick(_random, names);
            var value = _random.Next(3) switch
            {
                0 => HostileString(_random),
                1 => Pick(_random, new[]
                {
                    "0", "-1", "101", "1e3", "99999999999999999999", "2026-01-01T00:00:00+02:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                    "AAAAAAAAAAAAAAAAAAAAAA", "!!!!", "queued", "delivered", "a@example.net", Guid.NewGuid().ToString(), "now",
                }),
                _ => Pick(_random, Addresses),
            };
            parameters.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
            if (_random.Next(6) == 0)
            {
                parameters.Add(parameters[^1]);   // the same parameter twice
            }
        }
        if (_random.Next(8) == 0)
        {
            parameters.Add("recipient=%00%ff%ed%a0%80");   // percent-encoded NUL and invalid UTF-8
        }
        var path = _random.Next(6) switch
        {
            0 => $"v1/emails/{Uri.EscapeDataString(HostileString(_random))}",
            1 => $"v1/emails/{Guid.NewGuid()}/attempts",
            _ => events ? "v1/events" : "v1/emails",
        };
        var query = string.Join('&', parameters);
        return new HostileRequest("query", HostileEmails.Escape(query), HttpMethod.Get, $"{path}?{query}", ContentType: null);
    }

    private HostileRequest ApiKeys()
    {
        if (_random.Next(4) == 0)
        {
            var id = Uri.EscapeDataString(HostileString(_random));
            return new HostileRequest("api-keys", $"revoke '{id}'", HttpMethod.Delete, $"v1/api-keys/{id}", ContentType: null);
        }
        var body = new JsonObject
        {
            ["name"] = _random.Next(3) == 0 ? "key " + _serial : HostileString(_random),
            ["scopes"] = _random.Next(2) == 0 ? new JsonArray("emails:send") : new JsonArray(HostileString(_random), "admin"),
        };
        if (_random.Next(4) == 0)
        {
            body[Pick(_random, new[] { "name", "scopes", "extra", "project_id" })] = AnyValue(_random);
        }
        return new HostileRequest("api-keys", HostileEmails.Escape(body.ToJsonString())[..Math.Min(120, body.ToJsonString().Length)],
            HttpMethod.Post, "v1/api-keys", Utf8(body.ToJsonString()));
    }

    /// <summary>
    /// The operator's project routes. PATCHes go to ids that do not exist: their bodies are still
    /// read and validated first, and no valid rate limit can slow the rest of the run.
    /// </summary>
    private HostileRequest Projects()
    {
        var id = Uri.EscapeDataString(_random.Next(3) == 0 ? HostileString(_random) : Guid.NewGuid().ToString());
        switch (_random.Next(4))
        {
            case 0:
                return new HostileRequest("projects", $"get '{id}'", HttpMethod.Get, $"v1/projects/{id}", ContentType: null);
            case 1:
                var query = $"limit={Uri.EscapeDataString(HostileString(_random))}&cursor={Uri.EscapeDataString(HostileString(_random))}";
                return new HostileRequest("projects", HostileEmails.Escape(query), HttpMethod.Get, $"v1/projects?{query}", ContentType: null);
        }
        var body = new JsonObject
        {
            ["name"] = _random.Next(3) == 0 ? "project " + _serial : HostileString(_random),
            ["rate_limit"] = _random.Next(2) == 0
                ? AnyValue(_random)
                : new JsonObject { ["per_second"] = AnyValue(_random), ["burst"] = AnyValue(_random) },
        };
        if (_random.Next(4) == 0)
        {
            body[Pick(_random, new[] { "name", "rate_limit", "extra", "id" })] = AnyValue(_random);
        }
        var json = body.ToJsonString();
        var patch = _random.Next(2) == 0;
        return new HostileRequest("projects", HostileEmails.Escape(json)[..Math.Min(120, json.Length)],
            patch ? HttpMethod.Patch : HttpMethod.Post, patch ? $"v1/projects/{id}" : "v1/projects", Utf8(json));
    }

    /// <summary>
    /// A project's settings and what Tracking keeps: suppressions, webhook endpoints and their
    /// deliveries, unmatched bounces. Ids and addresses in paths are hostile strings or unknown.
    /// </summary>
    private HostileRequest Settings()
    {
        var id = Uri.EscapeDataString(_random.Next(3) == 0 ? HostileString(_random) : Guid.NewGuid().ToString());
        var text = Uri.EscapeDataString(HostileString(_random));
        JsonObject body;
        switch (_random.Next(9))
        {
            case 0:
                return Get($"v1/suppressions?email={text}&reason={Uri.EscapeDataString(HostileString(_random))}&limit={text}");
            case 1:
                return new HostileRequest("settings", $"lift '{text}'", HttpMethod.Delete,
                    $"v1/suppressions/{(_random.Next(2) == 0 ? text : Uri.EscapeDataString(Pick(_random, Addresses)))}", ContentType: null);
            case 2:
                return Get(Pick(_random, new[] { $"v1/unmatched-bounces?cursor={text}", $"v1/unmatched-bounces/{id}", $"v1/webhooks/{id}",
                    $"v1/webhooks?limit={text}", $"v1/webhooks/{id}/deliveries?status={text}&cursor={text}" }));
            case 3:
                return new HostileRequest("settings", $"replay '{id}'", HttpMethod.Post, $"v1/webhooks/{id}/deliveries/{text}/replay", ContentType: null);
            case 4:
                return new HostileRequest("settings", $"rotate/delete '{id}'", _random.Next(2) == 0 ? HttpMethod.Delete : HttpMethod.Post,
                    _random.Next(2) == 0 ? $"v1/webhooks/{id}" : $"v1/webhooks/{id}/rotate-secret", ContentType: null);
            case 5 or 6:
                body = new JsonObject
                {
                    ["email"] = _random.Next(2) == 0 ? Pick(_random, Addresses) : HostileString(_random),
                    ["reason"] = _random.Next(2) == 0 ? "manual" : HostileString(_random),
                };
                if (_random.Next(3) == 0)
                {
                    body[Pick(_random, new[] { "email", "reason", "expires_at", "extra" })] = AnyValue(_random);
                }
                return Post("v1/suppressions", body);
            default:
                body = new JsonObject
                {
                    ["url"] = _random.Next(2) == 0
                        ? Pick(_random, new[] { "https://127.0.0.1/hook", "http://example.com/", "https://169.254.169.254/latest", "https://[::ffff:10.0.0.1]/", "ftp://x/" })
                        : HostileString(_random),
                    ["event_types"] = _random.Next(2) == 0 ? new JsonArray("delivered", "bounced") : new JsonArray(HostileString(_random)),
                };
                if (_random.Next(3) == 0)
                {
                    body[Pick(_random, new[] { "url", "event_types", "description", "enabled", "extra" })] = AnyValue(_random);
                }
                return _random.Next(3) == 0 ? Post($"v1/webhooks/{id}", body, HttpMethod.Patch) : Post("v1/webhooks", body);
        }

        HostileRequest Get(string path) => new("settings", $"get {path}", HttpMethod.Get, path, ContentType: null);

        HostileRequest Post(string path, JsonObject json, HttpMethod? method = null)
        {
            var serialized = json.ToJsonString();
            return new HostileRequest("settings", HostileEmails.Escape(serialized)[..Math.Min(120, serialized.Length)],
                method ?? HttpMethod.Post, path, Utf8(serialized));
        }
    }

    /// <summary>Malformations only a socket can send; the cases rotate so each one is sent many times.</summary>
    private HostileRequest Raw()
    {
        var json = Utf8(HostileEmails.Valid(_random, _serial).ToJsonString());
        var cut = json[.._random.Next(1, json.Length)];
        var rawCase = _rawCase % 19;
        var (description, bytes, stalls) = (_rawCase++ % 19) switch
        {
            0 => ("Content-Length larger than the body, the rest never sent", Request("POST", "/v1/emails", $"Content-Length: {json.Length + _random.Next(1, 100_000)}", cut), true),
            1 => ("Content-Length over the endpoint limit", Request("POST", "/v1/emails", $"Content-Length: {16 * 1024 * 1024 + _random.Next(1, 1 << 30)}", json), false),
            2 => ("Content-Length smaller than the body", Request("POST", "/v1/emails", $"Content-Length: {_random.Next(0, json.Length)}", json), false),
            3 => ("chunked body over the api-keys limit", Request("POST", "/v1/api-keys", "Transfer-Encoding: chunked", Chunked(new byte[_random.Next(70_000, 200_000)])), false),
            4 => ("bad chunk size", Request("POST", "/v1/emails", "Transfer-Encoding: chunked", Utf8("zz\r\nabc\r\n0\r\n\r\n")), false),
            5 => ("chunked body cut short, the rest never sent", Request("POST", "/v1/emails", "Transfer-Encoding: chunked", Utf8($"{json.Length:x}\r\n").Concat(cut).ToArray()), true),
            6 => ("both Content-Length and chunked", Request("POST", "/v1/emails", $"Content-Length: {json.Length}\r\nTransfer-Encoding: chunked", json), false),
            7 => ("non-ASCII bytes in a header value", Request("POST", "/v1/emails", "Idempotency-Key: caf\u00e9\u00ff", json, latin1: true), false),
            8 => ("NUL in a header value", Request("POST", "/v1/emails", "Idempotency-Key: a\0b", json), false),
            9 => ("header line without a colon", Request("POST", "/v1/emails", "NotAHeader", json), false),
            10 => ("request line garbage", Utf8("GARBAGE \u0001 /\r\n\r\n"), false),
            11 => ("a 100 KB header", Request("POST", "/v1/emails", "X-Big: " + new string('b', 100_000), json), false),
            12 => ("two different Content-Length headers", Request("POST", "/v1/emails", $"Content-Length: {json.Length}\r\nContent-Length: 5", json), false),
            13 => ("negative Content-Length", Request("POST", "/v1/emails", "Content-Length: -5", json), false),
            14 => ("Expect: 100-continue over the limit", Request("POST", "/v1/emails", $"Expect: 100-continue\r\nContent-Length: {64L * 1024 * 1024 + 1}", []), false),
            15 => ("Authorization with raw Latin-1 bytes", Request("POST", "/v1/emails", "X-Replace: 1", json, latin1: true, authorization: "Bearer \u00e9\u00e8"), false),
            16 => BigChunked(_rawCase / 19),
            17 => ("two Idempotency-Key header lines", Request("POST", "/v1/emails", $"Idempotency-Key: r-{_serial}\r\nIdempotency-Key: r-{_serial}-2", json), false),
            _ => ("invalid UTF-8 and NUL in the JSON, exact length", Request("POST", "/v1/emails", null, Replace(json, "plain body", [0xc0, 0x80, 0, 0xf8])), false),
        };
        // The body cut short waits out Kestrel's minimum data rate (5 s grace): 408, from the read in JsonBody.
        int? expected = rawCase switch { 1 or 3 or 14 or 16 => 413, 0 or 5 => 408, 4 or 17 => 400, _ => null };
        return new HostileRequest("raw", description, HttpMethod.Post, "(raw)", Raw: new RawRequest(bytes, stalls), ExpectedStatus: expected);
    }

    /// <summary>Over each endpoint's limit by streaming, never by a header; the big ones only twice each, they cost real time.</summary>
    private static (string, byte[], bool) BigChunked(int round) => round switch
    {
        < 2 => ("chunked batch body of 64 MiB + 1", Request("POST", "/v1/emails/batch", "Transfer-Encoding: chunked", Chunked(new byte[64 * 1024 * 1024 + 1])), false),
        < 4 => ("chunked email body of 16 MiB + 1", Request("POST", "/v1/emails", "Transfer-Encoding: chunked", Chunked(new byte[16 * 1024 * 1024 + 1])), false),
        _ => ("chunked api-keys body of 64 KiB + 1", Request("POST", "/v1/api-keys", "Transfer-Encoding: chunked", Chunked(new byte[64 * 1024 + 1])), false),
    };

    private static byte[] Request(string method, string path, string? headers, byte[] body, bool latin1 = false, string authorization = Bearer)
    {
        var contentLength = headers is not null && (headers.Contains("Content-Length", StringComparison.Ordinal) || headers.Contains("Transfer-Encoding", StringComparison.Ordinal))
            ? ""
            : $"Content-Length: {body.Length}\r\n";
        var head = $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {authorization}\r\nContent-Type: application/json\r\n" +
                   $"Connection: close\r\n{contentLength}{(headers is null ? "" : headers + "\r\n")}\r\n";
        var headBytes = latin1 ? Encoding.Latin1.GetBytes(head) : Encoding.UTF8.GetBytes(head);
        return [.. headBytes, .. body];
    }

    private static byte[] Chunked(byte[] body)
    {
        var output = new MemoryStream();
        for (var offset = 0; offset < body.Length; offset += 65536)
        {
            var size = Math.Min(65536, body.Length - offset);
            output.Write(Utf8(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            output.Write(body, offset, size);
            output.Write("\r\n"u8);
        }
        output.Write("0\r\n\r\n"u8);
        return output.ToArray();
    }

    private List<KeyValuePair<string, string>>? MaybeIdempotency()
    {
        if (_random.Next(5) != 0)
        {
            return null;
        }
        // A small pool of keys: reuse with another body (422) and replays (the original answer) both happen.
        var key = _random.Next(3) == 0 ? $"k-{_serial}" : Pick(_random, _idempotencyKeys);
        return [KeyValuePair.Create("Idempotency-Key", key)];
    }

    private byte[] Flip(byte[] bytes, int flips)
    {
        var copy = bytes.ToArray();
        for (var i = 0; i < flips; i++)
        {
            copy[_random.Next(copy.Length)] = (byte)_random.Next(256);
        }
        return copy;
    }

    private static byte[] Replace(byte[] bytes, string marker, byte[] replacement)
    {
        var text = bytes.AsSpan();
        var at = text.IndexOf(Utf8(marker));
        return at < 0 ? bytes : [.. text[..at], .. replacement, .. text[(at + Utf8(marker).Length)..]];
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
