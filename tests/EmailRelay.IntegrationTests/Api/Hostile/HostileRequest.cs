namespace EmailRelay.IntegrationTests.Api.Hostile;

/// <summary>
/// One generated request. Either an ordinary one that <see cref="HttpClient"/> can send
/// (<see cref="Raw"/> null), or the exact bytes to write on a socket, for malformations an HTTP
/// client refuses to produce (a lying Content-Length, a truncated body, bad header bytes).
/// <see cref="ExpectedStatus"/>, when set, is the one answer that is right (413 for a body over the limit).
/// </summary>
public sealed record HostileRequest(
    string Category,
    string Description,
    HttpMethod Method,
    string Path,
    byte[]? Body = null,
    string? ContentType = "application/json",
    IReadOnlyList<KeyValuePair<string, string>>? Headers = null,
    bool Authorized = true,
    RawRequest? Raw = null,
    int? ExpectedStatus = null)
{
    /// <summary>The Idempotency-Key as the server reads it, if any: HttpClient sends repeated values as one line joined by ", ".</summary>
    public string? IdempotencyKey
    {
        get
        {
            var keys = Headers?.Where(h => h.Key == "Idempotency-Key").Select(h => h.Value).ToList();
            return keys is { Count: > 0 } ? string.Join(", ", keys) : null;
        }
    }

    public bool SendsEmail => Method == HttpMethod.Post && Path is "v1/emails" or "v1/emails/batch";

    public override string ToString() => $"[{Category}] {Method} /{Path}: {Description}";
}

/// <summary>
/// Bytes written to a fresh connection as they are. <see cref="Stalls"/>: the body is shorter than
/// announced and the connection stays open, so only the server's minimum data rate ends the wait
/// (seconds): such requests are sent alongside the others rather than one after another.
/// </summary>
public sealed record RawRequest(byte[] Bytes, bool Stalls = false);
