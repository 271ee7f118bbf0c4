using System.Text;
using MimeKit;

namespace EmailRelay.Api.Emails;

/// <summary>
/// Every rule of API.md §Send in one place. Addresses are parsed with MimeKit (RFC 5322), never
/// matched with a regex; anything that becomes a header is refused if it holds CR, LF or NUL,
/// because those are how header injection gets in.
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
        CheckNoNul(request.Text, "text", errors);
        CheckNoNul(request.Html, "html", errors);

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
            }

            if (attachment.ContentId is not null &&
                (!CheckHeaderSafe(attachment.ContentId, $"{field}.content_id", errors) ||
                 attachment.ContentId.Length == 0 || attachment.ContentId.Any(c => c is '<' or '>' or ' ' or > '~')))
            {
                errors.Add($"{field}.content_id", "A content id is printable ASCII without spaces or angle brackets.");
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
                contentType ??= ContentType.Parse(MimeTypes.GetMimeType(attachment.Filename!));
                decoded.Add(new DecodedAttachment(attachment.Filename!, contentType, content!, attachment.ContentId));
            }
        }
        return decoded;
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
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength || tag.Any(char.IsControl))
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
            if (key.Length is 0 or > MaxMetadataKeyLength)
            {
                errors.Add($"metadata.{key}", $"A metadata key is 1 to {MaxMetadataKeyLength} characters.");
            }
            if (value is null || value.Length > MaxMetadataValueLength || value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"metadata.{key}", $"A metadata value is a string of at most {MaxMetadataValueLength} characters.");
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

    private static bool CheckHeaderSafe(string value, string field, ValidationErrors errors)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            errors.Add(field, "CR, LF and NUL are not allowed here.");
            return false;
        }
        return true;
    }

    private static void CheckNoNul(string? value, string field, ValidationErrors errors)
    {
        if (value is not null && value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(field, "NUL characters are not allowed.");
        }
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : new StringBuilder(value, 0, 77, 80).Append("...").ToString();
}
