namespace EmailRelay.Api.Emails;

/// <summary>
/// The body of <c>POST /v1/emails</c>, exactly as API.md §Send. Every property is nullable so a
/// missing field is reported by the validator with its name instead of failing deserialisation.
/// </summary>
public sealed class SendEmailRequest
{
    public string? From { get; set; }
    public List<string?>? To { get; set; }
    public List<string?>? Cc { get; set; }
    public List<string?>? Bcc { get; set; }
    public List<string?>? ReplyTo { get; set; }
    public string? Subject { get; set; }
    public string? Text { get; set; }
    public string? Html { get; set; }
    public Dictionary<string, string?>? Headers { get; set; }
    public List<AttachmentRequest?>? Attachments { get; set; }
    public List<string?>? Tags { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public DateTimeOffset? SendAt { get; set; }
}

public sealed class AttachmentRequest
{
    public string? Filename { get; set; }
    public string? ContentType { get; set; }
    public string? Content { get; set; }
    public string? ContentId { get; set; }
}

/// <summary>The body of <c>POST /v1/emails/batch</c>; items are parsed one by one so one bad item fails alone.</summary>
public sealed class SendBatchRequest
{
    public List<System.Text.Json.JsonElement>? Emails { get; set; }
}
