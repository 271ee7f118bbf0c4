using System.Buffers;
using System.IO.Pipelines;
using SmtpServer;

namespace EmailRelay.Api.Submission;

/// <summary>
/// What the library reads a session's commands from, ending the session where the library cannot:
/// <list type="bullet">
/// <item>after a reply that closes it (<see cref="SubmissionSession.CloseAfterReply"/>: the 421 of a
/// database outage). The library swallows an exception thrown by a message store, so the store
/// returns the 421 as its reply and this ends the session before the next command is read.</item>
/// <item>while the listener drains (SIGTERM): a running transaction — from an accepted MAIL to the
/// reply after its DATA, or an RSET, EHLO or HELO — is read to its end as usual; a session that
/// waits for its next command outside one is told <c>421 4.3.2</c> and ends (RFC 5321 §3.8),
/// instead of holding the shutdown until its client leaves. The library's Shutdown cancels every
/// session, in the middle of DATA too.</item>
/// </list>
/// Either way the library's read is answered with the end of the stream, as if the client had left.
/// </summary>
public sealed class SessionInput : PipeReader
{
    private static readonly ReadResult Ended = new(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: true);

    private readonly ISessionContext _context;
    private readonly Func<PipeReader> _inner;
    private readonly CancellationToken _draining;
    private readonly Func<CancellationToken, ValueTask> _sayClosing;
    private volatile bool _inTransaction;
    private bool _ended;

    /// <param name="context">The session: its executed commands say when a transaction runs.</param>
    /// <param name="inner">The current input (STARTTLS replaces it with one over TLS).</param>
    /// <param name="draining">Cancelled when the listener starts to drain.</param>
    /// <param name="sayClosing">Writes the 421 to the client.</param>
    public SessionInput(ISessionContext context, Func<PipeReader> inner, CancellationToken draining, Func<CancellationToken, ValueTask> sayClosing)
    {
        _context = context;
        _inner = inner;
        _draining = draining;
        _sayClosing = sayClosing;
        // Executed only: a MAIL the filter refused threw, and opened nothing.
        context.CommandExecuted += (_, e) => _inTransaction = e.Command.Name switch
        {
            "MAIL" => true,
            "DATA" or "RSET" or "EHLO" or "HELO" => false,
            _ => _inTransaction,
        };
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_ended)
        {
            return Ended;
        }
        if (SubmissionSession.ClosingAfterReply(_context))
        {
            _ended = true;
            return Ended;
        }
        if (!_draining.IsCancellationRequested)
        {
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _draining);
            try
            {
                return await _inner().ReadAsync(waiting.Token);
            }
            catch (OperationCanceledException) when (_draining.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The drain began while this session waited for input: decided below.
            }
        }
        if (_inTransaction)
        {
            return await _inner().ReadAsync(cancellationToken);
        }
        _ended = true;
        await _sayClosing(cancellationToken);
        return Ended;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_ended)
        {
            result = Ended;
            return true;
        }
        return _inner().TryRead(out result);
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        if (!_ended)
        {
            _inner().AdvanceTo(consumed);
        }
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_ended)
        {
            _inner().AdvanceTo(consumed, examined);
        }
    }

    public override void CancelPendingRead() => _inner().CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner().Complete(exception);
}
