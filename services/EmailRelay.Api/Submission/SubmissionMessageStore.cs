using System.Buffers;
using EmailRelay.Api.Domains;
using EmailRelay.Api.Emails;
using EmailRelay.Api.RateLimiting;
using EmailRelay.Data;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace EmailRelay.Api.Submission;

/// <summary>
/// DATA: the one accept path. The received message becomes a <see cref="PreparedEmail"/> and
/// passes the checks of POST /v1/emails in the same order — the rules of the message, the
/// project's verified domains, its send rate — and is stored by <see cref="EmailAcceptor"/>
/// (suppressions included); the 250 is written only after that commit, with the email's id.
/// </summary>
public sealed partial class SubmissionMessageStore(
    SubmissionPreparer preparer,
    SenderDomainCheck senders,
    SendRateLimit rateLimit,
    EmailAcceptor acceptor,
    IOptions<SubmissionOptions> options,
    ILogger<SubmissionMessageStore> logger) : MessageStore
{
    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
        CancellationToken cancellationToken)
    {
        // Replies are returned, never thrown: the library's DATA swallows a store's exception
        // without writing anything, and the client would wait for a reply that never comes.
        if (SubmissionSession.Caller(context) is not { } caller)
        {
            return SubmissionReplies.AuthenticationRequired;
        }
        var max = options.Value.MaxMessageBytes;
        if (buffer.Length > max)
        {
            return SubmissionReplies.TooBig(max);
        }
        var mailFrom = transaction.From is { } from && !string.IsNullOrEmpty(from.User) ? SubmissionMailboxFilter.Address(from) : null;
        var prepared = preparer.Prepare(mailFrom, transaction.To.Select(SubmissionMailboxFilter.Address).ToList(), buffer.ToArray(), max);
        if (prepared.Refusal is not null)
        {
            return prepared.Refusal;
        }
        var email = prepared.Email!;
        var project = caller.ProjectId ?? ProjectIds.Default;
        try
        {
            // Both the visible sender and the return path must be the project's.
            var refused = await senders.RefusedAsync(project, [prepared.FromDomain!, email.Email.From.Domain], cancellationToken);
            if (refused.Count > 0)
            {
                return SubmissionReplies.UnverifiedSender(refused.First());
            }
            var decision = await rateLimit.AcquireAsync(project, 1, cancellationToken);
            if (!decision.Admitted)
            {
                return SubmissionReplies.RateLimited(decision.RetryAfterSeconds);
            }
            await acceptor.AcceptAsync([email], project, caller.ApiKeyId, null, _ => [], cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            LogStoreFailed(logger, ex.GetType().Name, ex.Message);
            return SubmissionSession.CloseAfterReply(context, SubmissionReplies.Unavailable);
        }
        LogAccepted(logger, email.Id, email.Email.Recipients.Count, project);
        return SubmissionReplies.Queued(email.Id);
    }

    [LoggerMessage(EventId = 1811, Level = LogLevel.Warning, Message = "Submission: a message could not be stored ({ExceptionType}: {Error}); answered 421")]
    private static partial void LogStoreFailed(ILogger logger, string exceptionType, string error);

    [LoggerMessage(EventId = 1812, Level = LogLevel.Debug, Message = "Submission: accepted {MessageId} for {Recipients} recipients in project {ProjectId}")]
    private static partial void LogAccepted(ILogger logger, Guid messageId, int recipients, Guid projectId);
}
