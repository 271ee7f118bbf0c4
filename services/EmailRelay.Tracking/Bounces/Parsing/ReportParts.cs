using System.Text;
using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// The parts of an incoming message a report is made of, found in one bounded walk of its MIME
/// tree: the human-readable notification, machine-readable delivery-status and feedback parts,
/// and the headers of the returned message. A returned message is never descended into: its text
/// is the sender's, not the report's.
/// </summary>
internal sealed class ReportParts
{
    private readonly BounceParserLimits limits;
    private int visited;

    private ReportParts(MimeMessage message, BounceParserLimits limits)
    {
        Message = message;
        this.limits = limits;
    }

    public MimeMessage Message { get; }

    /// <summary>Human-readable texts (text/plain, text/html as text, a broken multipart's preamble), in document order.</summary>
    public List<string> Texts { get; } = [];

    /// <summary>Contents of message/delivery-status parts, with whether each sat in a multipart/report.</summary>
    public List<(string Fields, bool InReport)> DeliveryStatus { get; } = [];

    /// <summary>Contents of message/feedback-report parts.</summary>
    public List<string> FeedbackReports { get; } = [];

    /// <summary>Headers of the first returned message (message/rfc822, message/global, text/rfc822-headers).</summary>
    public HeaderList? ReturnedHeaders { get; private set; }

    /// <summary>The first attached message with a body: the returned message, or a notice forwarded whole.</summary>
    public MimeMessage? AttachedMessage { get; private set; }

    /// <summary>The walk stopped at <see cref="BounceParserLimits.MaxParts"/>.</summary>
    public bool Truncated { get; private set; }

    public static ReportParts Collect(MimeMessage message, BounceParserLimits limits)
    {
        var parts = new ReportParts(message, limits);
        if (message.Body is not null)
        {
            parts.Visit(message.Body, inReport: false);
        }

        return parts;
    }

    public string AllText() => string.Join("\n\n", Texts);

    private void Visit(MimeEntity entity, bool inReport)
    {
        if (++visited > limits.MaxParts)
        {
            Truncated = true;
            return;
        }

        var type = entity.ContentType;
        switch (entity)
        {
            case Multipart multipart:
                VisitMultipart(multipart, inReport);
                break;

            case MessagePart returned:
                ReturnedHeaders ??= returned.Message?.Headers;
                AttachedMessage ??= returned.Message?.Body is null ? null : returned.Message;
                break;

            case MimePart part when type.IsMimeType("message", "delivery-status") || type.IsMimeType("message", "global-delivery-status"):
                DeliveryStatus.Add((Decode(part), inReport));
                break;

            case MimePart part when type.IsMimeType("message", "feedback-report"):
                FeedbackReports.Add(Decode(part));
                break;

            case MimePart part when type.IsMimeType("text", "rfc822-headers"):
                ReturnedHeaders ??= LoadHeaders(Decode(part));
                break;

            case TextPart text when text.IsHtml:
                AddText(HtmlText.ToPlainText(Bounded(text.Text), limits.MaxTextChars));
                break;

            case TextPart text:
                AddText(Bounded(text.Text));
                break;
        }
    }

    private void VisitMultipart(Multipart multipart, bool inReport)
    {
        var isReport = inReport || multipart.ContentType.IsMimeType("multipart", "report");

        // A boundary that never occurs leaves the whole body in the preamble: that is the report.
        if (multipart.Count == 0 && !string.IsNullOrWhiteSpace(multipart.Preamble))
        {
            AddText(Bounded(multipart.Preamble));
            return;
        }

        if (multipart.ContentType.IsMimeType("multipart", "alternative"))
        {
            // The same words twice: read the plain version when there is one.
            var preferred = multipart.FirstOrDefault(p => p is TextPart { IsPlain: true })
                ?? multipart.FirstOrDefault();
            if (preferred is not null)
            {
                Visit(preferred, isReport);
            }

            return;
        }

        foreach (var child in multipart)
        {
            Visit(child, isReport);
            if (Truncated)
            {
                return;
            }
        }
    }

    private void AddText(string text)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            Texts.Add(text);
        }
    }

    private string Decode(MimePart part)
    {
        if (part.Content is null)
        {
            return string.Empty;
        }

        using var decoded = part.Content.Open();
        var buffer = new byte[Math.Min(limits.MaxTextChars, limits.MaxBytes)];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = decoded.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        // RFC 6533 allows UTF-8 in global delivery-status fields; invalid bytes become U+FFFD.
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private string Bounded(string text) => text.Length > limits.MaxTextChars ? text[..limits.MaxTextChars] : text;

    /// <summary>Headers written out as text (text/rfc822-headers, or the copy a notification appends).</summary>
    public static HeaderList? LoadHeaders(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.TrimStart('\r', '\n') + "\n\n"));
            var headers = HeaderList.Load(ParserOptions.Default, stream, CancellationToken.None);
            return headers.Count > 0 ? headers : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
