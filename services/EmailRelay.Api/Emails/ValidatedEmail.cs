using MimeKit;

namespace EmailRelay.Api.Emails;

/// <summary>A request that passed every rule, with its addresses parsed once.</summary>
public sealed record ValidatedEmail(
    SendEmailRequest Request,
    MailboxAddress From,
    IReadOnlyList<RecipientAddress> Recipients,
    IReadOnlyList<MailboxAddress> To,
    IReadOnlyList<MailboxAddress> Cc,
    IReadOnlyList<MailboxAddress> ReplyTo,
    IReadOnlyList<DecodedAttachment> Attachments,
    DateTimeOffset? SendAt);

/// <summary>One envelope recipient: the SMTP address (IDN domain in ASCII) and how it was addressed.</summary>
public sealed record RecipientAddress(string Address, string Domain, string Kind);

public sealed record DecodedAttachment(string Filename, ContentType ContentType, byte[] Content, string? ContentId);
