using System.Text;
using MailKit.Net.Smtp;
using MimeKit;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// RFC 6531: a mailbox whose local part is not ASCII may only be sent to a server that offered
/// SMTPUTF8 (a domain has an ASCII form, punycode; a local part has none). MailKit writes such an
/// address raw whatever the server offered, so the refusal is made here, per recipient, the way
/// Postfix makes it: the recipient bounces with 5.6.7 and the others of the message are delivered.
/// </summary>
public static class SmtpUtf8Guard
{
    /// <summary>The reply code of the refusal; 553 is "mailbox name not allowed" (RFC 5321 §4.2.2).</summary>
    public const int ReplyCode = 553;

    public const string EnhancedCode = "5.6.7";

    /// <summary>
    /// The recipients that must not be sent on this session, each with the reply that explains it;
    /// empty when the session offered SMTPUTF8 or every address is ASCII. When the envelope sender
    /// itself needs SMTPUTF8, no MAIL FROM can be sent at all, so every recipient is refused.
    /// </summary>
    public static Dictionary<string, SmtpReplyInfo> Refusals(SmtpClient client, string remote, MailboxAddress sender,
        IReadOnlyList<MailboxAddress> recipients)
    {
        var refusals = new Dictionary<string, SmtpReplyInfo>(StringComparer.OrdinalIgnoreCase);
        if (client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            return refusals;
        }
        var senderNeedsUtf8 = NeedsSmtpUtf8(sender);
        foreach (var recipient in recipients)
        {
            if (senderNeedsUtf8 || NeedsSmtpUtf8(recipient))
            {
                var whose = senderNeedsUtf8 ? "the sender address" : "this recipient";
                refusals[recipient.Address] = new SmtpReplyInfo(ReplyCode, EnhancedCode,
                    $"{ReplyCode} {EnhancedCode} SMTPUTF8 is required for {whose}, but was not offered by host {remote}");
            }
        }
        return refusals;
    }

    public static bool NeedsSmtpUtf8(MailboxAddress mailbox) => !Ascii.IsValid(mailbox.LocalPart);
}
