using EmailRelay.Api.Http;

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

    public static readonly TimeSpan MaxSendAhead = TimeSpan.FromHours(72);

    // Headers the relay writes itself; letting a caller set them would forge or break the message.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Subject", "Message-ID", "Date", "MIME-Version", "DKIM-Signature", "Return-Path",
    };

    public ValidationResult<ValidatedEmail> Validate(SendEmailRequest request)
    {
        var errors = new ValidationErrors();

        var from = MailboxRules.ParseMailbox(request.From, "from", errors, required: true);
        var to = MailboxRules.ParseList(request.To, "to", errors);
        var cc = MailboxRules.ParseList(request.Cc, "cc", errors);
        var bcc = MailboxRules.ParseList(request.Bcc, "bcc", errors);
        var replyTo = MailboxRules.ParseList(request.ReplyTo, "reply_to", errors);

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
            TextRules.CheckHeaderSafe(request.Subject, "subject", errors);
            if (request.Subject.Length > MaxSubjectLength)
            {
                errors.Add("subject", $"The subject must be at most {MaxSubjectLength} characters.");
            }
        }

        if (string.IsNullOrEmpty(request.Text) && string.IsNullOrEmpty(request.Html))
        {
            errors.Add("text", "A text or html body is required.");
        }
        TextRules.CheckBodyText(request.Text, "text", errors);
        TextRules.CheckBodyText(request.Html, "html", errors);

        ValidateHeaders(request.Headers, errors);
        var attachments = AttachmentRules.Validate(request.Attachments, errors);
        ValidateTags(request.Tags, errors);
        ValidateMetadata(request.Metadata, errors);
        var sendAt = ValidateSendAt(request.SendAt, errors);

        if (errors.Count > 0)
        {
            return ValidationResult<ValidatedEmail>.Invalid(errors);
        }

        var recipients = MailboxRules.Envelope(to, "to").Concat(MailboxRules.Envelope(cc, "cc")).Concat(MailboxRules.Envelope(bcc, "bcc"))
            .DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase)   // one row per address: no double delivery
            .ToList();
        return ValidationResult<ValidatedEmail>.Valid(
            new ValidatedEmail(request, from!, recipients, to, cc, replyTo, attachments, sendAt));
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
            TextRules.CheckHeaderSafe(value, field, errors);
        }
    }

    /// <summary>The tag rules, shared with SMTP submission's X-EmailRelay-Tags.</summary>
    internal static void ValidateTags(List<string?>? tags, ValidationErrors errors)
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
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength || tag.Any(char.IsControl) || TextRules.HasUnpaired(tag, controls: false))
            {
                errors.Add($"tags[{i}]", $"A tag is 1 to {MaxTagLength} characters without control characters.");
            }
        }
    }

    /// <summary>The metadata rules, shared with SMTP submission's X-EmailRelay-Metadata.</summary>
    internal static void ValidateMetadata(Dictionary<string, string?>? metadata, ValidationErrors errors)
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
            if (key.Length is 0 or > MaxMetadataKeyLength || key.Any(char.IsControl) || TextRules.HasUnpaired(key, controls: false))
            {
                errors.Add($"metadata.{key}", $"A metadata key is 1 to {MaxMetadataKeyLength} characters without control characters.");
            }
            // Values may hold tabs and line breaks (an address block, a note), nothing else below space.
            if (value is null || value.Length > MaxMetadataValueLength || TextRules.HasUnpaired(value, controls: true))
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

}
