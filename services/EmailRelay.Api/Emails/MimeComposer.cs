using MimeKit;

namespace EmailRelay.Api.Emails;

/// <summary>
/// Builds the MIME message once, at accept time: the stored bytes are exactly what every delivery
/// attempt sends, so a retry can never differ from the first try.
/// </summary>
public static class MimeComposer
{
    public const long MaxMessageBytes = 10 * 1024 * 1024;

    private static readonly FormatOptions Wire = CreateWireFormat();

    public static ComposedMessage Compose(ValidatedEmail email, Guid id, DateTimeOffset now)
    {
        var request = email.Request;
        var message = new MimeMessage();
        message.From.Add(email.From);
        message.To.AddRange(email.To);
        message.Cc.AddRange(email.Cc);
        message.ReplyTo.AddRange(email.ReplyTo);
        message.Subject = request.Subject ?? "";
        message.Date = now;
        var domain = email.From.Domain.Length > 0 ? email.From.GetAddress(idnEncode: true).Split('@')[^1] : "localhost";
        message.MessageId = $"{id:N}@{domain}";
        if (request.Headers is not null)
        {
            foreach (var (name, value) in request.Headers)
            {
                message.Headers.Add(name, value!);
            }
        }

        var body = new BodyBuilder { TextBody = NullIfEmpty(request.Text), HtmlBody = NullIfEmpty(request.Html) };
        foreach (var attachment in email.Attachments)
        {
            // Inline parts belong in multipart/related next to the HTML that refers to them; with
            // no HTML body MimeKit would drop them, so they travel as ordinary attachments.
            var inline = attachment.ContentId is not null && body.HtmlBody is not null;
            var part = inline
                ? body.LinkedResources.Add(attachment.Filename, attachment.Content, attachment.ContentType)
                : body.Attachments.Add(attachment.Filename, attachment.Content, attachment.ContentType);
            if (attachment.ContentId is not null)
            {
                part.ContentId = attachment.ContentId;
            }
            if (part is MimePart mimePart)
            {
                // Base64 for every attachment: the caller's bytes arrive exactly, even a text file
                // with bare LFs that a 7bit or quoted-printable encoding would turn into CRLF.
                mimePart.ContentTransferEncoding = ContentEncoding.Base64;
            }
        }
        message.Body = body.ToMessageBody();

        // Only 7-bit transfer encodings: the bytes then pass any smarthost, 8BITMIME or not, unchanged.
        message.Prepare(EncodingConstraint.SevenBit);
        using var buffer = new MemoryStream();
        message.WriteTo(Wire, buffer);
        return new ComposedMessage(buffer.ToArray(), $"<{message.MessageId}>");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.International = false;
        return options;
    }
}

/// <summary>The wire bytes (CRLF line ends) and the Message-ID header value, angle brackets included.</summary>
public sealed record ComposedMessage(byte[] Mime, string MessageIdHeader);
