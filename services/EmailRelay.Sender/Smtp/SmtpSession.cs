using System.Diagnostics;
using System.Net.Sockets;
using EmailRelay.Classification;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Runs SMTP transactions (MAIL, RCPT…, DATA) one after another on one pooled connection, held
/// from the first transaction until the session is disposed (or the connection breaks, when the
/// next transaction takes a new one), and turns whatever happens, replies or exceptions, into a
/// <see cref="TransactionResult"/> per transaction. It decides nothing: the classifier and the
/// attempt planner do, and the caller picks the endpoint (the pool) and what to do when none
/// could be reached.
/// </summary>
public sealed class SmtpSession(SmtpConnectionPool pool, TimeProvider time) : IAsyncDisposable
{
    private static readonly FormatOptions Wire = CreateWireFormat();

    private PooledConnection? _connection;

    public async Task<TransactionResult> RunAsync(MimeMessage message, string envelopeFrom, IReadOnlyList<string> recipients,
        CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var sender = MailboxAddress.Parse(envelopeFrom);
        var rcpts = recipients.Select(MailboxAddress.Parse).ToList();
        // A VERP envelope sender is ASCII, but the From header still carries the author's address
        // as written: a non-ASCII one needs SMTPUTF8 all the same.
        var author = SmtpUtf8Guard.NeedsSmtpUtf8(sender) ? sender
            : message.From.Mailboxes.FirstOrDefault(SmtpUtf8Guard.NeedsSmtpUtf8) ?? sender;
        for (var fresh = false; ; fresh = true)
        {
            if (_connection is null)
            {
                try
                {
                    _connection = await pool.RentAsync(fresh, cancellationToken);
                }
                catch (SmtpCommandException ex)
                {
                    // The greeting, EHLO or STARTTLS was refused (a 421 banner, say): a reply of
                    // the server's, kept verbatim, but no transaction was started.
                    return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), pool.Endpoint.Host, pool.Endpoint.Address?.ToString(),
                        false, new Dictionary<string, SmtpReplyInfo>(), SmtpReplyInfo.From((int)ex.StatusCode, ex.Message), false, null, null)
                    { ConnectFailed = true };
                }
                catch (Exception ex) when (Describe(ex, dataStarted: false) is { } failure)
                {
                    return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), pool.Endpoint.Host, pool.Endpoint.Address?.ToString(),
                        false, new Dictionary<string, SmtpReplyInfo>(), null, false, failure.Kind, failure.Detail) { ConnectFailed = true };
                }
            }
            var connection = _connection;

            var reused = connection.Transactions > 0;
            var refused = SmtpUtf8Guard.Refusals(connection.Client, Describe(connection), author, rcpts);
            if (refused.Count == rcpts.Count)
            {
                // Nothing can be sent on this session: no transaction was started, so it is kept as it is.
                return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), connection.RemoteHost, connection.RemoteIp,
                    connection.Tls, refused, null, false, null, null) { TlsFallback = connection.TlsFallback };
            }
            var outcome = await SendAsync(connection, message, sender, refused.Count == 0 ? rcpts : [.. rcpts.Where(r => !refused.ContainsKey(r.Address))],
                cancellationToken);
            var client = connection.Client;
            var replies = new Dictionary<string, SmtpReplyInfo>(client.RecipientReplies, StringComparer.OrdinalIgnoreCase);
            var dataStarted = client.Tracker.DataStarted;
            connection.Transactions++;
            if (!outcome.Reusable || !pool.CanCarryMore(connection))
            {
                _connection = null;
                await pool.ReturnAsync(connection, outcome.Reusable);
            }
            // A pooled session the server closed while it sat idle fails on its first command.
            // Nothing of this transaction reached the server, so it is not an attempt: go again
            // at once on a new session instead of deferring the message for a retry slot.
            if (outcome.Failure is not null && reused && !fresh && !dataStarted && replies.Count == 0 && outcome.Reply is null)
            {
                continue;
            }
            foreach (var (address, refusal) in refused)
            {
                replies[address] = refusal;
            }
            return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), connection.RemoteHost, connection.RemoteIp,
                connection.Tls, replies, outcome.Reply, outcome.SenderRefused, outcome.Failure?.Kind, outcome.Failure?.Detail)
            { TlsFallback = connection.TlsFallback };
        }
    }

    /// <summary>Gives the held connection back to the pool for the next message.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await pool.ReturnAsync(connection, reusable: true);
        }
    }

    /// <summary>
    /// One transaction. A cancellation (or any exception that is not a transport failure)
    /// propagates with the connection still held, and <see cref="DisposeAsync"/> gives it back:
    /// the pool closes it if MailKit disconnected it.
    /// </summary>
    private static async Task<(SmtpReplyInfo? Reply, bool SenderRefused, (TransportFailure Kind, string Detail)? Failure, bool Reusable)> SendAsync(
        PooledConnection connection, MimeMessage message, MailboxAddress sender, List<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        var client = connection.Client;
        client.BeginTransaction();
        // Cancellation (shutdown, lost lease) stops a transaction only until the server opens DATA:
        // cut after that, the remote may keep the message and a retry would duplicate it.
        using var beforeData = new CancellationTokenSource();
        await using var cancel = cancellationToken.Register(() =>
        {
            if (!client.Tracker.DataStarted)
            {
                beforeData.Cancel();
            }
        });
        try
        {
            var response = await client.SendAsync(Wire, message, sender, recipients, beforeData.Token);
            // MailKit only returns after a 250 to the final dot.
            return (SmtpReplyInfo.From(250, response), false, null, true);
        }
        catch (SmtpCommandException ex) when (ex.ErrorCode == SmtpErrorCode.RecipientNotAccepted)
        {
            // Every RCPT refused: each refusal is in RecipientReplies already.
            return (null, false, null, true);
        }
        catch (SmtpCommandException ex)
        {
            // MAIL FROM or the final DATA reply refused: the session itself is still usable.
            return (SmtpReplyInfo.From((int)ex.StatusCode, ex.Message), ex.ErrorCode == SmtpErrorCode.SenderNotAccepted, null, true);
        }
        catch (Exception ex) when (Describe(ex, client.Tracker.DataStarted) is { } failure)
        {
            return (null, false, failure, false);
        }
    }

    /// <summary>"host[ip]", as Postfix names the server in its own explanations.</summary>
    private static string Describe(PooledConnection connection) =>
        connection.RemoteIp is null ? connection.RemoteHost : $"{connection.RemoteHost}[{connection.RemoteIp}]";

    /// <summary>Names the transport failures a delivery can meet; anything else is a bug and propagates.</summary>
    private static (TransportFailure Kind, string Detail)? Describe(Exception ex, bool dataStarted)
    {
        if (ex is OperationCanceledException { CancellationToken.IsCancellationRequested: true } && ex.InnerException is not TimeoutException)
        {
            return null;   // shutting down: let the command be redelivered
        }
        if (dataStarted && ex is IOException or SocketException or TimeoutException or ProtocolException or OperationCanceledException)
        {
            return (TransportFailure.TimeoutAfterData, $"connection lost after DATA, before the final reply: {ex.Message}");
        }
        return ex switch
        {
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => (TransportFailure.ConnectionRefused, $"connection refused: {ex.Message}"),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
                (TransportFailure.DnsFailure, $"host name did not resolve: {ex.Message}"),
            SocketException { SocketErrorCode: SocketError.TimedOut } or TimeoutException => (TransportFailure.Timeout, $"timed out: {ex.Message}"),
            SocketException or IOException => (TransportFailure.ConnectionReset, $"connection lost: {ex.Message}"),
            SslHandshakeException => (TransportFailure.TlsFailure, $"TLS handshake failed: {ex.Message}"),
            NotSupportedException when ex.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) =>
                (TransportFailure.TlsRequiredButUnavailable, "the server does not offer STARTTLS and TLS is required"),
            AuthenticationException => (TransportFailure.ProtocolError, $"authentication failed: {ex.Message}"),
            ServiceNotConnectedException => (TransportFailure.ConnectionReset, $"connection lost: {ex.Message}"),
            ProtocolException => (TransportFailure.ProtocolError, $"SMTP protocol error: {ex.Message}"),
            _ => null,
        };
    }

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}
