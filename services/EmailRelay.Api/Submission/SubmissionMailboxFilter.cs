using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace EmailRelay.Api.Submission;

/// <summary>
/// MAIL and RCPT. Nothing is relayed without AUTH: MAIL from a session that has not
/// authenticated is refused here (and DATA checks again). Recipients are refused one by one
/// where the API would refuse the address, and beyond the API's recipient limit; a suppressed
/// recipient is accepted and stored as suppressed, as the API does.
/// </summary>
public sealed class SubmissionMailboxFilter(IOptions<SubmissionOptions> options) : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        if (SubmissionSession.Caller(context) is null)
        {
            throw new SmtpResponseException(SubmissionReplies.AuthenticationRequired);
        }
        if (size > options.Value.MaxMessageBytes)
        {
            throw new SmtpResponseException(SubmissionReplies.TooBig(options.Value.MaxMessageBytes));
        }
        SubmissionSession.ResetRecipients(context);
        return Task.FromResult(true);
    }

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        if (SubmissionSession.Caller(context) is null)
        {
            throw new SmtpResponseException(SubmissionReplies.AuthenticationRequired);
        }
        if (SubmissionSession.Recipients(context) >= options.Value.MaxRecipients)
        {
            throw new SmtpResponseException(SubmissionReplies.TooManyRecipients);
        }
        var errors = new ValidationErrors();
        if (MailboxRules.ParseMailbox(Address(to), "RCPT TO", errors, required: true) is null)
        {
            throw new SmtpResponseException(SubmissionReplies.InvalidRecipient(string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value))));
        }
        SubmissionSession.AddRecipient(context);
        return Task.FromResult(true);
    }

    public static string Address(IMailbox mailbox) => $"{mailbox.User}@{mailbox.Host}";
}
