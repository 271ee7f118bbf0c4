using EmailRelay.Data;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Emails;

/// <summary>
/// Accepts without an Idempotency-Key, stored by group commit (<see cref="GroupCommit{TItem, TResult}"/>):
/// concurrent single POSTs share one accept statement and one commit, as the emails of one /batch
/// call do.
/// </summary>
public sealed partial class AcceptGroupCommit
{
    /// <summary>Statements in flight at once per api process: while they run, the next group queues.</summary>
    internal const int MaxInFlight = 2;

    /// <summary>Emails per statement at most; a request is never split.</summary>
    internal const int MaxEmailsPerStatement = 500;

    private readonly GroupCommit<StoreRequest, SuppressedRecipients> _commit;

    public AcceptGroupCommit(EmailStore store, IOptions<AcceptOptions> options, ILogger<AcceptGroupCommit> logger) =>
        _commit = new(requests => store.StoreAsync(requests, options.Value.MaxQueueLifetime, null, CancellationToken.None),
            request => request.Emails.Count, MaxInFlight, MaxEmailsPerStatement,
            (requests, error) => LogGroupSplit(logger, requests, error.SqlState));

    /// <summary>Stores the request's emails; completes after the commit, with the recipients of its own emails found suppressed.</summary>
    public async Task<SuppressedRecipients> StoreAsync(StoreRequest request) =>
        (await _commit.WriteAsync(request)).Of(request.Emails);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "A group of {Requests} accepts failed with SQLSTATE {SqlState}; storing each alone so only the request at fault fails")]
    private static partial void LogGroupSplit(ILogger logger, int requests, string sqlState);
}
