using System.Text;
using System.Text.Json;
using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using MimeKit;

namespace EmailRelay.Api.Submission;

/// <summary>
/// A received message as the <see cref="PreparedEmail"/> that <see cref="EmailAcceptor"/> stores
/// for an HTTP email, under the same rules (<see cref="MailboxRules"/>, the tag and metadata rules
/// of <see cref="EmailValidator"/>, the size limit). The message is kept as received, less the
/// relay's X-EmailRelay-* fields; only a missing Message-ID or Date is added, as a submission
/// server may (RFC 6409 §8.2, §8.3), since tracking and every receiver need them.
/// </summary>
public sealed class SubmissionPreparer(TimeProvider time)
{
    private static readonly ParserOptions Parser = new() { AddressParserComplianceMode = RfcComplianceMode.Loose };

    public SubmissionPrepared Prepare(string? mailFrom, IReadOnlyList<string> rcptTo, ReadOnlySpan<byte> received, long maxBytes)
    {
        var split = SubmissionHeaders.Extract(WithFinalLineEnd(received));
        var errors = new ValidationErrors();
        var headers = ParseHeaders(split.Message);

        var from = FromHeader(headers, errors);
        // The envelope sender is the return path the sender uses; the null sender (bounces) takes From's.
        var envelope = string.IsNullOrEmpty(mailFrom) ? from : MailboxRules.ParseMailbox(mailFrom, "MAIL FROM", errors, required: true);

        List<string?>? tags = null;
        try
        {
            tags = split.Tags.Count == 0 ? null : SubmissionHeaders.ParseTags(split.Tags);
        }
        catch (JsonException)
        {
            errors.Add(SubmissionHeaders.TagsField, "Tags are comma-separated, or a JSON array of strings.");
        }
        Dictionary<string, string?>? metadata = null;
        if (split.Metadata.Count > 1)
        {
            errors.Add(SubmissionHeaders.MetadataField, "At most one X-EmailRelay-Metadata field.");
        }
        else if (split.Metadata.Count == 1)
        {
            try
            {
                metadata = SubmissionHeaders.ParseMetadata(split.Metadata[0]);
            }
            catch (JsonException)
            {
                errors.Add(SubmissionHeaders.MetadataField, "Metadata is a JSON object of string values.");
            }
        }
        EmailValidator.ValidateTags(tags, errors);
        EmailValidator.ValidateMetadata(metadata, errors);

        // RCPT TO was checked recipient by recipient; this is the same rule again, as the store's input.
        var recipients = MailboxRules.ParseList(rcptTo.Select(r => (string?)r).ToList(), "RCPT TO", errors);
        if (errors.Count > 0 || from is null || envelope is null)
        {
            return new SubmissionPrepared(null, null, SubmissionReplies.InvalidMessage(errors.ToDictionary()));
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var mime = AddMissingFields(split.Message, headers, id, from, now, out var messageId);
        if (mime.Length > maxBytes)
        {
            return new SubmissionPrepared(null, null, SubmissionReplies.TooBig(maxBytes));
        }
        var request = new SendEmailRequest
        {
            From = headers[HeaderId.From]?.Trim() is { Length: > 0 } shown ? shown : from.ToString(),
            To = rcptTo.Select(r => (string?)r).ToList(),
            Subject = headers[HeaderId.Subject] ?? "",
            Tags = tags,
            Metadata = metadata,
        };
        var envelopeRecipients = MailboxRules.Envelope(recipients, "to")
            .DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase)   // one row per address, as for HTTP
            .ToList();
        var validated = new ValidatedEmail(request, envelope, envelopeRecipients, recipients, [], [], [], null);
        var email = new PreparedEmail(id, validated, new ComposedMessage(mime, messageId), now);
        return new SubmissionPrepared(email, from.Domain, null);
    }

    /// <summary>
    /// The library hands DATA over without the CRLF before the final dot, but that CRLF ends the
    /// message's last line (RFC 5321 §4.1.1.4): it is part of the message as sent.
    /// </summary>
    private static ReadOnlySpan<byte> WithFinalLineEnd(ReadOnlySpan<byte> received)
    {
        if (received.EndsWith("\r\n"u8) || received.IsEmpty)
        {
            return received;
        }
        var whole = new byte[received.Length + 2];
        received.CopyTo(whole);
        whole[^2] = (byte)'\r';
        whole[^1] = (byte)'\n';
        return whole;
    }

    private static HeaderList ParseHeaders(byte[] message)
    {
        using var stream = new MemoryStream(message, writable: false);
        try
        {
            return new MimeParser(Parser, stream, MimeFormat.Entity).ParseHeaders();
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static MailboxAddress? FromHeader(HeaderList headers, ValidationErrors errors)
    {
        var index = headers.IndexOf(HeaderId.From);
        if (index < 0)
        {
            errors.Add("From", "The message has no From field.");
            return null;
        }
        // Only the first would be checked against the project's verified domains, while a reader
        // may show another: a key for one domain must not put a second sender on the message.
        if (headers.Count(h => h.Id == HeaderId.From) > 1)
        {
            errors.Add("From", "The message must have exactly one From field (RFC 5322 §3.6).");
            return null;
        }
        if (!InternetAddressList.TryParse(Parser, headers[index].RawValue, out var list) || list.Mailboxes.Count() != 1)
        {
            errors.Add("From", "The From field must hold exactly one mailbox.");
            return null;
        }
        // The same rules as "from" in POST /v1/emails.
        return MailboxRules.ParseMailbox(list.Mailboxes.Single().ToString(), "From", errors, required: true);
    }

    private static byte[] AddMissingFields(byte[] message, HeaderList headers, Guid id, MailboxAddress from, DateTimeOffset now,
        out string messageId)
    {
        var added = new StringBuilder();
        if (headers[HeaderId.MessageId] is { } existing && existing.Trim().Length > 0)
        {
            messageId = existing.Trim();
        }
        else
        {
            var domain = from.GetAddress(idnEncode: true).Split('@')[^1];
            messageId = $"<{id:N}@{domain}>";
            added.Append("Message-ID: ").Append(messageId).Append("\r\n");
        }
        if (headers.IndexOf(HeaderId.Date) < 0)
        {
            added.Append("Date: ").Append(MimeKit.Utils.DateUtils.FormatDate(now)).Append("\r\n");
        }
        if (added.Length == 0)
        {
            return message;
        }
        var prefix = Encoding.ASCII.GetBytes(added.ToString());
        var result = new byte[prefix.Length + message.Length];
        prefix.CopyTo(result, 0);
        message.CopyTo(result, prefix.Length);
        return result;
    }
}

/// <summary>The email to store, the From field's domain (checked against the project's verified domains), or the refusal.</summary>
public sealed record SubmissionPrepared(PreparedEmail? Email, string? FromDomain, SmtpServer.Protocol.SmtpResponse? Refusal);
