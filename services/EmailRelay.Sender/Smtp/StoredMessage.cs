using MimeKit;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// A message exactly as it was stored at accept, for MailKit to send: the stored header fields
/// with their raw bytes, the stored body bytes as they are, and above them only the fields
/// prepended for this hop (DKIM-Signature, Received). Nothing is re-encoded, so what the remote
/// receives is what was accepted, and a signature computed over those bytes holds.
/// </summary>
/// <remarks>
/// MimeKit 4.18 writes a message in a non-virtual <c>WriteTo</c>: prepended fields (no offset),
/// then the parsed fields in their stored order (message and Content-* fields merged back by
/// offset), each as its raw name, colon and raw value, then CRLF, then the body entity's content.
/// Only the header section is parsed here (so <see cref="MimeMessage.From"/> and friends answer and
/// MimeKit's <c>DkimSigner</c> canonicalizes the raw fields), and the body entity writes the stored
/// body bytes, which is also what the DKIM body hash is taken over. Tests hold that the bytes
/// written are the stored bytes after the prepended fields.
/// <para>How MailKit (4.18) chooses the MAIL FROM parameters: BODY=8BITMIME / BODY=BINARYMIME from the
/// parts' Content-Transfer-Encoding (8bit asks for 8BITMIME, binary for BINARYMIME, each only if the
/// server offered it; BINARYMIME also switches to BDAT, as does <c>PreferSendAsBinaryData</c> with
/// CHUNKING offered); SMTPUTF8 when offered and an envelope address is international or the format
/// options ask for international headers (never from the content); SIZE= the length written, when
/// SIZE is offered. The body part answers with the stored bytes' class (8bit for 8-bit or binary
/// data, so BINARYMIME/BDAT are never used, as Postfix never uses them). <see cref="HeaderIsUtf8"/>
/// says when the content alone would need SMTPUTF8, which MailKit does not look at.</para>
/// </remarks>
public sealed class StoredMessage : MimeMessage
{
    private readonly byte[] _stored;
    private readonly int _headerLength;
    private int _prepended;

    private StoredMessage(byte[] stored, int headerLength, IEnumerable<Header> headers, RawBody body, ContentEncoding transferClass)
    {
        _stored = stored;
        _headerLength = headerLength;
        // The base constructor added a From, Date, Subject and Message-Id of its own: only the
        // stored fields may be seen (a signer would otherwise sign fields that are never sent).
        Headers.Clear();
        foreach (var header in headers)
        {
            Headers.Add(header);
        }
        Body = body;
        TransferClass = transferClass;
        HeaderIsUtf8 = !System.Text.Ascii.IsValid(stored.AsSpan(0, headerLength));
    }

    /// <summary>The bytes as stored at accept, without the prepended fields.</summary>
    public ReadOnlyMemory<byte> Stored => _stored;

    /// <summary>The stored header section (up to and including the empty line that ends it).</summary>
    public ReadOnlyMemory<byte> StoredHeader => _stored.AsMemory(0, _headerLength);

    /// <summary>The stored body: everything after the empty line that ends the header section.</summary>
    public ReadOnlyMemory<byte> StoredBody => _stored.AsMemory(_headerLength);

    /// <summary>How many header fields were prepended to the stored ones.</summary>
    public int PrependedFields => _prepended;

    /// <summary>What the bytes need from the transport: 7bit, 8bit (RFC 6152) or binary (RFC 3030).</summary>
    public ContentEncoding TransferClass { get; }

    /// <summary>Whether the stored header section carries raw UTF-8 (RFC 6532), which needs SMTPUTF8.</summary>
    public bool HeaderIsUtf8 { get; }

    /// <summary>The stored bytes, every line in CRLF, are parsed for their headers and nothing else.</summary>
    public static StoredMessage Parse(byte[] stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var headerLength = HeaderLength(stored);
        HeaderList parsed;
        using (var header = new MemoryStream(stored, 0, headerLength, writable: false))
        {
            parsed = HeaderList.Load(ParserOptions.Default, header);
        }
        // As MimeKit's parser does: Content-* fields belong to the body entity, the rest to the message.
        var content = parsed.Where(IsContentField).ToList();
        var transferClass = Classify(stored);
        var body = new RawBody(content, stored, headerLength, transferClass);
        return new StoredMessage(stored, headerLength, parsed.Where(h => !IsContentField(h)).ToList(), body, transferClass);
    }

    /// <summary>
    /// Puts a header field (its complete lines, the last ending in CRLF) above the fields already
    /// there: as every hop does, the newest goes on top.
    /// </summary>
    public void Prepend(byte[] field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.Length < 2 || field[^2] != '\r' || field[^1] != '\n' || !Header.TryParse(field, out var header) || header is null)
        {
            throw new ArgumentException("A prepended header field must be one well-formed field ending in CRLF.", nameof(field));
        }
        Headers.Insert(0, header);
        _prepended++;
    }

    /// <summary>
    /// Nothing to prepare: re-encoding parts for the transport would change the bytes. MailKit
    /// calls this with the server's constraint; the stored bytes go as they are (as Postfix relays
    /// with <c>disable_mime_output_conversion</c>), declared for what they are by the body part's transfer encoding.
    /// </summary>
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
    }

    private static bool IsContentField(Header header) => header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase);

    /// <summary>The length of the header section: up to and including the first empty line (all of it when there is none).</summary>
    private static int HeaderLength(byte[] stored)
    {
        var position = 0;
        while (position < stored.Length)
        {
            var end = Array.IndexOf(stored, (byte)'\n', position);
            if (end < 0)
            {
                return stored.Length;
            }
            var lineLength = end - position;
            if (lineLength == 0 || (lineLength == 1 && stored[position] == '\r'))
            {
                return end + 1;
            }
            position = end + 1;
        }
        return stored.Length;
    }

    /// <summary>
    /// 7bit: ASCII in lines of at most 998 octets, no NUL (RFC 5322); 8bit: octets above 127 too
    /// (RFC 6152); binary: anything else, a NUL or a longer line (RFC 3030).
    /// </summary>
    private static ContentEncoding Classify(ReadOnlySpan<byte> bytes)
    {
        var eightBit = false;
        var lineLength = 0;
        foreach (var b in bytes)
        {
            if (b == 0)
            {
                return ContentEncoding.Binary;
            }
            if (b == '\n')
            {
                lineLength = 0;
                continue;
            }
            if (++lineLength > 999)   // 998 octets and the CR
            {
                return ContentEncoding.Binary;
            }
            eightBit |= b > 127;
        }
        return eightBit ? ContentEncoding.EightBit : ContentEncoding.SevenBit;
    }

    /// <summary>
    /// The message body as a single opaque part: its headers are the stored Content-* fields
    /// (DkimSigner reads them from the body, as for a parsed message), its content the stored body
    /// bytes, which is also what MimeKit hashes for the DKIM body hash.
    /// </summary>
    /// <remarks>
    /// MailKit 4.18 chooses BODY= by iterating the message's parts (<c>MimeIterator</c>) and reading
    /// each <see cref="MimePart.ContentTransferEncoding"/>: 8bit asks for BODY=8BITMIME, binary for
    /// BODY=BINARYMIME (and BDAT), each only if the server offered it. This part answers with the
    /// class of the stored bytes instead of its stored Content-Transfer-Encoding field (which, on a
    /// multipart, says nothing of the parts inside). Binary data answers 8bit: BINARYMIME and BDAT
    /// are never used, as Postfix never uses them, so a server with 8BITMIME still gets the nearest
    /// declaration; with neither, the bytes go as they are, as Postfix sends them.
    /// </remarks>
    private sealed class RawBody : MimePart
    {
        private static readonly byte[] CrLf = "\r\n"u8.ToArray();

        private readonly byte[] _stored;
        private readonly int _offset;
        private readonly bool _sealed;

        public RawBody(IEnumerable<Header> headers, byte[] stored, int offset, ContentEncoding transferClass) : base(new ContentType("text", "plain"))
        {
            _stored = stored;
            _offset = offset;
            ContentTransferEncoding = transferClass == ContentEncoding.SevenBit ? ContentEncoding.SevenBit : ContentEncoding.EightBit;
            // From here on the fields are the stored ones, and they no longer steer the properties
            // MimeKit derives from them: ContentTransferEncoding keeps the class set above.
            _sealed = true;
            Headers.Clear();
            foreach (var header in headers)
            {
                Headers.Add(header);
            }
        }

        protected override void OnHeadersChanged(HeaderListChangedAction action, Header? header)
        {
            if (!_sealed)
            {
                base.OnHeadersChanged(action, header);
            }
        }

        public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(stream);
            cancellationToken.ThrowIfCancellationRequested();
            if (!contentOnly)
            {
                throw new NotSupportedException("A stored body is only written as content; the message writes its header.");
            }
            stream.Write(_stored.AsSpan(_offset));
            if (NeedsFinalNewLine(options))
            {
                stream.Write(CrLf);
            }
        }

        public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (!contentOnly)
            {
                throw new NotSupportedException("A stored body is only written as content; the message writes its header.");
            }
            await stream.WriteAsync(_stored.AsMemory(_offset), cancellationToken);
            if (NeedsFinalNewLine(options))
            {
                await stream.WriteAsync(CrLf, cancellationToken);
            }
        }

        public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
        {
        }

        // MailKit ends DATA with ".\r\n" after asking for a final new line, and the DKIM body hash
        // adds one too: a stored body without one would glue the terminating dot to its last line.
        private bool NeedsFinalNewLine(FormatOptions options) =>
            options.EnsureNewLine && _stored.Length > _offset && _stored[^1] != '\n';
    }
}
