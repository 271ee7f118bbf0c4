using System.Runtime.InteropServices;
using System.Text;
using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Parses the raw bytes with MimeKit, after undoing common manglings of stored reports: bare-CR
/// line ends, an mbox "From " separator line before the headers, and a MIME body whose
/// Content-Type header was lost (the boundaries are there, the header that names them is not).
/// </summary>
internal static class MimeLoader
{
    private const int MaxBoundaryLength = 70;
    private const int MaxPreambleLines = 4;

    public static MimeMessage Load(ReadOnlyMemory<byte> bytes, BounceParserLimits limits, CancellationToken cancellationToken)
    {
        var body = WithoutMboxSeparator(WithLineFeeds(bytes));
        var options = new ParserOptions { MaxMimeDepth = limits.MaxDepth };
        var message = Parse(body, options, cancellationToken);
        if (LostBoundary(message) is { } boundary)
        {
            var header = Encoding.ASCII.GetBytes($"Content-Type: multipart/mixed; boundary=\"{boundary}\"\n");
            var repaired = new byte[header.Length + body.Length];
            header.CopyTo(repaired, 0);
            body.Span.CopyTo(repaired.AsSpan(header.Length));
            message = Parse(repaired, options, cancellationToken);
        }

        return message;
    }

    private static MimeMessage Parse(ReadOnlyMemory<byte> bytes, ParserOptions options, CancellationToken cancellationToken)
    {
        var segment = MemoryMarshal.TryGetArray(bytes, out var array) ? array : new ArraySegment<byte>(bytes.ToArray());
        using var stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        var parser = new MimeParser(options, stream, MimeFormat.Entity, persistent: false);
        return parser.ParseMessage(cancellationToken);
    }

    /// <summary>
    /// Messages saved with old Mac line ends (a bare CR, no LF anywhere) are one long line to a MIME
    /// parser: give them LF line ends. CRLF and LF are left as they are.
    /// </summary>
    private static ReadOnlyMemory<byte> WithLineFeeds(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        if (span.IndexOf((byte)'\n') >= 0 || span.IndexOf((byte)'\r') < 0)
        {
            return bytes;
        }

        var copy = span.ToArray();
        copy.AsSpan().Replace((byte)'\r', (byte)'\n');
        return copy;
    }

    private static ReadOnlyMemory<byte> WithoutMboxSeparator(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        if (!span.StartsWith("From "u8))
        {
            return bytes;
        }

        var newline = span.IndexOf((byte)'\n');
        return newline < 0 ? bytes : bytes[(newline + 1)..];
    }

    /// <summary>
    /// The boundary of a multipart body that arrived without its Content-Type: a "--token" line
    /// (the token not all dashes) among the first lines of the body, that recurs later. Null when
    /// the message has a Content-Type or the body does not open that way (boundaries further down
    /// belong to a returned message quoted as text).
    /// </summary>
    private static string? LostBoundary(MimeMessage message)
    {
        // MimeKit files Content-* headers under the body entity, not the message.
        if (message.Body is not TextPart text || text.Headers.Contains(HeaderId.ContentType))
        {
            return null;
        }

        var body = text.Text;
        var lines = 0;
        foreach (var range in body.AsSpan().Split('\n'))
        {
            var line = body.AsSpan()[range].TrimEnd('\r');
            if (line.IsWhiteSpace())
            {
                continue;
            }

            if (++lines > MaxPreambleLines)
            {
                return null;
            }
            if (line.Length < 3 || line.Length > MaxBoundaryLength + 2 || !line.StartsWith("--") || line.ContainsAny(" \t\"")
                || line[2..].TrimStart('-').IsEmpty)
            {
                continue;
            }

            var token = line[2..].ToString();
            var marker = "\n--" + token;
            var first = body.IndexOf(marker, StringComparison.Ordinal);
            if (first >= 0 && body.IndexOf(marker, first + marker.Length, StringComparison.Ordinal) > first)
            {
                return token.EndsWith("--", StringComparison.Ordinal) ? null : token;
            }
        }

        return null;
    }
}
