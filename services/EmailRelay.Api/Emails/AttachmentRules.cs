using EmailRelay.Api.Http;
using MimeKit;

namespace EmailRelay.Api.Emails;

/// <summary>Attachments: leaf parts only, named, typed, base64, with a Content-Id MimeKit accepts.</summary>
public static class AttachmentRules
{
    public static List<DecodedAttachment> Validate(List<AttachmentRequest?>? attachments, ValidationErrors errors)
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
                ok &= TextRules.CheckHeaderSafe(attachment.Filename, $"{field}.filename", errors);
            }

            ContentType? contentType = null;
            if (attachment.ContentType is not null)
            {
                if (!TextRules.CheckHeaderSafe(attachment.ContentType, $"{field}.content_type", errors) ||
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
                (!TextRules.CheckHeaderSafe(attachment.ContentId, $"{field}.content_id", errors) || !IsValidContentId(attachment.ContentId)))
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
}
