using MailKit.Net.Smtp;
using MimeKit;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// MailKit's client, told not to give up on the first rejected recipient: each RCPT reply is kept
/// so one recipient can bounce while another in the same transaction is delivered.
/// </summary>
public sealed class RelaySmtpClient(DataPhaseTracker tracker) : SmtpClient(tracker)
{
    private readonly Dictionary<string, SmtpReplyInfo> _recipientReplies = new(StringComparer.OrdinalIgnoreCase);

    public DataPhaseTracker Tracker { get; } = tracker;

    public IReadOnlyDictionary<string, SmtpReplyInfo> RecipientReplies => _recipientReplies;

    public void BeginTransaction()
    {
        _recipientReplies.Clear();
        Tracker.Reset();
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _recipientReplies[mailbox.Address] = SmtpReplyInfo.From((int)response.StatusCode, response.Response);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _recipientReplies[mailbox.Address] = SmtpReplyInfo.From((int)response.StatusCode, response.Response);

    // A command exception (not a custom one) tells MailKit the session is still sound, so it keeps
    // the connection instead of dropping it; every refusal is already in RecipientReplies.
    protected override void OnNoRecipientsAccepted(MimeMessage message) =>
        throw new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, NoRecipientsAccepted);

    public const string NoRecipientsAccepted = "No recipient was accepted.";
}
