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

    /// <summary>RSET: ends any half-done transaction and proves the session still answers.</summary>
    public Task<SmtpResponse> ResetAsync(CancellationToken cancellationToken) => SendCommandAsync("RSET", cancellationToken);

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _recipientReplies[mailbox.Address] = SmtpReplyInfo.From((int)response.StatusCode, response.Response);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _recipientReplies[mailbox.Address] = SmtpReplyInfo.From((int)response.StatusCode, response.Response);

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();
}

/// <summary>Every RCPT was refused: there is nothing to send, and each refusal is already recorded.</summary>
public sealed class NoRecipientsAcceptedException : Exception
{
    public NoRecipientsAcceptedException() : base("No recipient was accepted.")
    {
    }

    public NoRecipientsAcceptedException(string message) : base(message)
    {
    }

    public NoRecipientsAcceptedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
