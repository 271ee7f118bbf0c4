using System.Text;
using EmailRelay.Api.Http;
using MimeKit;

namespace EmailRelay.Api.Emails;

/// <summary>
/// Every rule of API.md §Send in one place. Addresses are parsed with MimeKit (RFC 5322), never
/// matched with a regex; anything that becomes a header is refused if it holds a control
/// character (CR and LF are how header injection gets in), and no string anywhere may hold NUL or
/// a lone UTF-16 surrogate, which PostgreSQL and UTF-8 cannot represent: whatever passes here can
/// be composed and stored, so a client mistake is a 400 naming the field, never a 5xx later.
/// </summary>
public sealed class EmailValidator(TimeProvider time)
{
    public const int MaxRecipients = 50;
    public const int MaxTags = 10;
    public const int MaxTagLength = 64;
    public const int MaxMetadataPairs = 20;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 1024;
    public const int MaxSubjectLength = 998;

    /// <summary>RFC 5321 §4.5.3.1.1 and .3 (the path limit of 256 less the angle brackets), counted in octets.</summary>
    public const int MaxLocalPartOctets = 64;
    public const int MaxAddressOctets = 254;

    /// <summary>A mailbox, display name included, has to fit on one header line (RFC 5322 §2.1.1).</summary>
    public const int MaxMailboxLength = 998;
    public static readonly TimeSpan MaxSendAhead = TimeSpan.FromHours(72);

    private static readonly ParserOptions StrictParser = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
        AllowUnquotedCommasInAddresses = false,
    };

    // Headers the relay writes itself; letting a caller set them would forge or break the message.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Subject", "Message-ID", "Date", "MIME-Version", "DKIM-Signature", "Return-Path",
    };

    public ValidationResult<ValidatedEmail> Validate(SendEmailRequest request)
    {
        var errors = new ValidationErrors();

        var from = ParseMailbox(request.From, "from", errors, required: true);
        var to = ParseList(request.To, "to", errors);
        var cc = ParseList(request.Cc, "cc", errors);
        var bcc = ParseList(request.Bcc, "bcc", errors);
        var replyTo = ParseList(request.ReplyTo, "reply_to", errors);

        var total = (request.To?.Count ?? 0) + (request.Cc?.Count ?? 0) + (request.Bcc?.Count ?? 0);
        if (total == 0)
        {
            errors.Add("to", "At least one recipient is required in to, cc or bcc.");
        }
        else if (total > MaxRecipients)
        {
            errors.Add("to", $"At most {MaxRecipients} recipients are allowed over to, cc and bcc; got {total}.");
        }

        if (request.Subject is null)
        {
            errors.Add("subject", "The subject is required.");
        }
        else
        {
            CheckHeaderSafe(request.Subject, "subject", errors);
            if (request.Subject.Length > MaxSubjectLength)
            {
                errors.Add("subject", $"The subject must be at most {MaxSubjectLength} characters.");
            }
        }

        if (string.IsNullOrEmpty(request.Text) && string.IsNullOrEmpty(request.Html))
        {
            errors.Add("text", "A text or html body is required.");
        }
        CheckBodyText(request.Text, "text", errors);
        CheckBodyText(request.Html, "html", errors);

        ValidateHeaders(request.Headers, errors);
        var attachments = ValidateAttachments(request.Attachments, errors);
        ValidateTags(request.Tags, errors);
        ValidateMetadata(request.Metadata, errors);
        var sendAt = ValidateSendAt(request.SendAt, errors);

        if (errors.Count > 0)
        {
            return ValidationResult<ValidatedEmail>.Invalid(errors);
        }

        var recipients = Envelope(to, "to").Concat(Envelope(cc, "cc")).Concat(Envelope(bcc, "bcc"))
            .DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase)   // one row per address: no double delivery
            .ToList();
        return ValidationResult<ValidatedEmail>.Valid(
            new ValidatedEmail(request, from!, recipients, to, cc, replyTo, attachments, sendAt));
    }

    private static IEnumerable<RecipientAddress> Envelope(IEnumerable<MailboxAddress> mailboxes, string kind) =>
        mailboxes.Select(m =>
        {
            var address = m.GetAddress(idnEncode: true);
            return new RecipientAddress(address, address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant(), kind);
        });

    /// <summary>
    /// The SMTP limits of RFC 5321 on the envelope form: IDN domains in their ASCII form, the local
    /// part as UTF-8 octets (SMTPUTF8 counts octets too). MimeKit leaves a domain it cannot
    /// punycode as Unicode; that domain has no DNS form, so no server could ever be asked for it.
    /// </summary>
    private static string? CheckEnvelopeLimits(MailboxAddress mailbox)
    {
        var address = mailbox.GetAddress(idnEncode: true);
        var at = address.LastIndexOf('@');
        var local = address[..at];
        var domain = address[(at + 1)..];
        if (!domain.StartsWith('[') && (!Ascii.IsValid(domain) || domain.Length > 253 || domain.Split('.').Any(l => l.Length is 0 or > 63)))
        {
            return "the domain is not a valid (internationalised) domain name";
        }
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
        {
            return $"the part before the @ is longer than {MaxLocalPartOctets} octets (RFC 5321)";
        }
        if (Encoding.UTF8.GetByteCount(address) > MaxAddressOctets)
        {
            return $"the address is longer than {MaxAddressOctets} octets (RFC 5321)";
        }
        return null;
    }

    private static List<MailboxAddress> ParseList(List<string?>? values, string field, ValidationErrors errors)
    {
        var parsed = new List<MailboxAddress>();
        if (values is null)
        {
            return parsed;
        }
        for (var i = 0; i < values.Count; i++)
        {
            var mailbox = ParseMailbox(values[i], $"{field}[{i}]", errors, required: true);
            if (mailbox is not null)
            {
                parsed.Add(mailbox);
            }
        }
        return parsed;
    }

    private static MailboxAddress? ParseMailbox(string? value, string field, ValidationErrors errors, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(field, "An email address is required.");
            }
            return null;
        }
        if (!CheckHeaderSafe(value, field, errors))
        {
            return null;
        }
        if (value.Length > MaxMailboxLength)
        {
            errors.Add(field, $"A mailbox is at most {MaxMailboxLength} characters.");
            return null;
        }
        if (!MailboxAddress.TryParse(StrictParser, value, out var mailbox) || mailbox.Route.Count > 0)
        {
            errors.Add(field, $"'{Truncate(value)}' is not a valid RFC 5322 mailbox (\"Name <user@example.com>\" or \"user@example.com\").");
            return null;
        }
        var at = mailbox.Address.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Address.Length - 1 || !mailbox.Address[(at + 1)..].Contains('.', StringComparison.Ordinal))
        {
            errors.Add(field, $"'{Truncate(value)}' needs a fully qualified domain.");
            return null;
        }
        if (CheckEnvelopeLimits(mailbox) is { } problem)
        {
            errors.Add(field, $"'{Truncate(value)}' cannot be used: {problem}.");
            return null;
        }
        return mailbox;
    }

    private static void ValidateHeaders(Dictionary<string, string?>? headers, ValidationErrors errors)
    {
        if (headers is null)
        {
            return;
        }
        foreach (var (name, value) in headers)
        {
            var field = $"headers.{name}";
            if (name.Length == 0 || name.Any(c => c is < '!' or > '~' or ':'))
            {
                errors.Add(field, "A header name is printable ASCII without spaces or colons.");
                continue;
            }
            if (ReservedHeaders.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(field, $"'{name}' is set by EmailRelay and cannot be given in headers.");
                continue;
            }
            if (value is null)
            {
                errors.Add(field, "A header value is required.");
                continue;
            }
            CheckHeaderSafe(value, field, errors);
        }
    }

    private static List<DecodedAttachment> ValidateAttachments(List<AttachmentRequest?>? attachments, ValidationErrors errors)
    {
        var decoded = new List<DecodedAttachment>();
        if (attachments is null)
        {
            return decoded;
        }
        for (var i = 0; i < attachments.Count; i++)
        {
            var field = $"attachments[{i}]";
            var attachment = attachments[i];
            if (attachment is null)
            {
                errors.Add(field, "An attachment object is required.");
                continue;
            }
            var ok = true;
            if (string.IsNullOrWhiteSpace(attachment.Filename))
            {
                errors.Add($"{field}.filename", "A filename is required.");
                ok = false;
            }
            else
            {
                ok &= CheckHeaderSafe(attachment.Filename, $"{field}.filename", errors);
            }

            ContentType? contentType = null;
            if (attachment.ContentType is not null)
            {
                if (!CheckHeaderSafe(attachment.ContentType, $"{field}.content_type", errors) ||
                    !ContentType.TryParse(attachment.ContentType, out contentType))
                {
                    errors.Add($"{field}.content_type", "A MIME type such as application/pdf is expected.");
                    ok = false;
                }
                else if (!IsLeafType(contentType))
                {
                    // A message/* or multipart/* part is parsed by MimeKit (and by every reader
                    // after it) as MIME structure: content that is not such a structure cannot be
                    // built, and one that is would smuggle whole parts past these rules.
                    errors.Add($"{field}.content_type", $"'{contentType.MediaType}/{contentType.MediaSubtype}' is not allowed: " +
                        "attachments are leaf parts; send a message or multipart as application/octet-stream.");
                    contentType = null;
                    ok = false;
                }
            }

            if (attachment.ContentId is not null &&
                (!CheckHeaderSafe(attachment.ContentId, $"{field}.content_id", errors) || !IsValidContentId(attachment.ContentId)))
            {
                errors.Add($"{field}.content_id", "A content id is printable ASCII without spaces or angle brackets, such as logo@acme.example.");
                ok = false;
            }

            byte[]? content = null;
            if (attachment.Content is null)
            {
                errors.Add($"{field}.content", "The base64 content is required.");
                ok = false;
            }
            else
            {
                try
                {
                    content = Convert.FromBase64String(attachment.Content);
                }
                catch (FormatException)
                {
                    errors.Add($"{field}.content", "The content must be base64.");
                    ok = false;
                }
            }

            if (ok)
            {
                contentType ??= InferredType(attachment.Filename!);
                decoded.Add(new DecodedAttachment(attachment.Filename!, contentType, content!, attachment.ContentId));
            }
        }
        return decoded;
    }

    /// <summary>
    /// The type a filename suggests, when the client gave none. "a.eml" suggests message/rfc822,
    /// but the client never claimed the bytes are a message, and refusing a type it did not send
    /// would be a puzzling error: such a file travels as application/octet-stream, bytes intact,
    /// with its filename, so the recipient's mail program still opens it by its extension.
    /// </summary>
    private static ContentType InferredType(string filename)
    {
        var inferred = ContentType.Parse(MimeTypes.GetMimeType(filename));
        return IsLeafType(inferred) ? inferred : new ContentType("application", "octet-stream");
    }

    private static bool IsLeafType(ContentType type) =>
        !type.MediaType.Equals("message", StringComparison.OrdinalIgnoreCase) &&
        !type.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase);

    /// <summary>MimeKit is the judge of a Content-Id: one it refuses would throw while composing.</summary>
    private static bool IsValidContentId(string contentId)
    {
        if (contentId.Length == 0 || contentId.Any(c => c is '<' or '>' or ' ' or > '~'))
        {
            return false;
        }
        try
        {
            _ = new MimePart { ContentId = contentId };
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void ValidateTags(List<string?>? tags, ValidationErrors errors)
    {
        if (tags is null)
        {
            return;
        }
        if (tags.Count > MaxTags)
        {
            errors.Add("tags", $"At most {MaxTags} tags are allowed.");
        }
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength || tag.Any(char.IsControl) || HasUnpaired(tag, controls: false))
            {
                errors.Add($"tags[{i}]", $"A tag is 1 to {MaxTagLength} characters without control characters.");
            }
        }
    }

    private static void ValidateMetadata(Dictionary<string, string?>? metadata, ValidationErrors errors)
    {
        if (metadata is null)
        {
            return;
        }
        if (metadata.Count > MaxMetadataPairs)
        {
            errors.Add("metadata", $"At most {MaxMetadataPairs} metadata pairs are allowed.");
        }
        foreach (var (key, value) in metadata)
        {
            // Keys are JSON object keys in a jsonb column and filterable names: no control characters at all.
            if (key.Length is 0 or > MaxMetadataKeyLength || key.Any(char.IsControl) || HasUnpaired(key, controls: false))
            {
                errors.Add($"metadata.{key}", $"A metadata key is 1 to {MaxMetadataKeyLength} characters without control characters.");
            }
            // Values may hold tabs and line breaks (an address block, a note), nothing else below space.
            if (value is null || value.Length > MaxMetadataValueLength || HasUnpaired(value, controls: true))
            {
                errors.Add($"metadata.{key}", $"A metadata value is a string of at most {MaxMetadataValueLength} characters without control characters other than tab and line breaks.");
            }
        }
    }

    private DateTimeOffset? ValidateSendAt(DateTimeOffset? sendAt, ValidationErrors errors)
    {
        if (sendAt is null)
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (sendAt.Value > now + MaxSendAhead)
        {
            errors.Add("send_at", $"send_at may be at most {MaxSendAhead.TotalHours:0} hours ahead.");
            return null;
        }
        // A time already past means "now": scheduling into the past is a clock skew, not an error.
        return sendAt.Value > now ? sendAt.Value.ToUniversalTime() : null;
    }

    /// <summary>
    /// For anything that becomes a header or an envelope address: no control character but TAB
    /// (CR and LF would inject headers, NUL and the rest have no place in a header), no lone surrogate.
    /// </summary>
    private static bool CheckHeaderSafe(string value, string field, ValidationErrors errors)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && c != '\t')
            {
                errors.Add(field, "Control characters (CR, LF, NUL and the like) are not allowed here.");
                return false;
            }
        }
        if (HasUnpaired(value, controls: false))
        {
            errors.Add(field, "The text holds an unpaired UTF-16 surrogate, which is not a character.");
            return false;
        }
        return true;
    }

    /// <summary>Bodies may hold any character but NUL (PostgreSQL and SMTP DATA refuse it) and lone surrogates.</summary>
    private static void CheckBodyText(string? value, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            return;
        }
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(field, "NUL characters are not allowed.");
        }
        else if (HasUnpaired(value, controls: false))
        {
            errors.Add(field, "The text holds an unpaired UTF-16 surrogate, which is not a character.");
        }
    }

    /// <summary>
    /// True when <paramref name="value"/> holds a surrogate that is not half of a pair (or, with
    /// <paramref name="controls"/>, any control character but tab, CR and LF).
    /// </summary>
    private static bool HasUnpaired(string value, bool controls)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c) || (controls && char.IsControl(c) && c is not ('\t' or '\r' or '\n')))
            {
                return true;
            }
        }
        return false;
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : new StringBuilder(value, 0, 77, 80).Append("...").ToString();
}
