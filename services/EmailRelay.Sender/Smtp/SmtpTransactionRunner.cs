using System.Diagnostics;
using System.Net.Sockets;
using EmailRelay.Classification;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Runs one SMTP transaction (MAIL, RCPT…, DATA) on a pooled session and turns whatever happens,
/// replies or exceptions, into a <see cref="TransactionResult"/>. It decides nothing: the
/// classifier and the attempt planner do.
/// </summary>
public sealed class SmtpTransactionRunner(SmtpConnectionPool pool, TimeProvider time)
{
    private static readonly FormatOptions Wire = CreateWireFormat();

    public async Task<TransactionResult> RunAsync(MimeMessage message, string envelopeFrom, IReadOnlyList<string> recipients,
        CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var sender = MailboxAddress.Parse(envelopeFrom);
        var rcpts = recipients.Select(MailboxAddress.Parse).ToList();
        for (var fresh = false; ; fresh = true)
        {
            PooledConnection connection;
            try
            {
                connection = await pool.RentAsync(fresh, cancellationToken);
            }
            catch (Exception ex) when (Describe(ex, dataStarted: false) is { } failure)
            {
                return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), pool.Route.Host, null, false,
                    new Dictionary<string, SmtpReplyInfo>(), null, false, failure.Kind, failure.Detail);
            }

            var reused = connection.Transactions > 0;
            var outcome = await SendAsync(connection, message, sender, rcpts, cancellationToken);
            var client = connection.Client;
            // A pooled session the server closed while it sat idle fails on its first command.
            // Nothing of this transaction reached the server, so it is not an attempt: go again
            // at once on a new session instead of deferring the message for a retry slot.
            if (outcome.Failure is not null && reused && !fresh && !client.Tracker.DataStarted && client.RecipientReplies.Count == 0
                && outcome.Reply is null)
            {
                continue;
            }
            return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), connection.RemoteHost, connection.RemoteIp,
                connection.Tls, new Dictionary<string, SmtpReplyInfo>(client.RecipientReplies, StringComparer.OrdinalIgnoreCase),
                outcome.Reply, outcome.SenderRefused, outcome.Failure?.Kind, outcome.Failure?.Detail);
        }
    }

    private async Task<(SmtpReplyInfo? Reply, bool SenderRefused, (TransportFailure Kind, string Detail)? Failure)> SendAsync(
        PooledConnection connection, MimeMessage message, MailboxAddress sender, List<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        var client = connection.Client;
        client.BeginTransaction();
        var reusable = true;
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
            return (SmtpReplyInfo.From(250, response), false, null);
        }
        catch (SmtpCommandException ex) when (ex.ErrorCode == SmtpErrorCode.RecipientNotAccepted)
        {
            // Every RCPT refused: each refusal is in RecipientReplies already.
            return (null, false, null);
        }
        catch (SmtpCommandException ex)
        {
            // MAIL FROM or the final DATA reply refused: the session itself is still usable.
            return (SmtpReplyInfo.From((int)ex.StatusCode, ex.Message), ex.ErrorCode == SmtpErrorCode.SenderNotAccepted, null);
        }
        catch (Exception ex) when (Describe(ex, client.Tracker.DataStarted) is { } failure)
        {
            reusable = false;
            return (null, false, failure);
        }
        finally
        {
            await pool.ReturnAsync(connection, reusable);
        }
    }

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
                (TransportFailure.DnsFailure, $"smarthost name did not resolve: {ex.Message}"),
            SocketException { SocketErrorCode: SocketError.TimedOut } or TimeoutException => (TransportFailure.Timeout, $"timed out: {ex.Message}"),
            SocketException or IOException => (TransportFailure.ConnectionReset, $"connection lost: {ex.Message}"),
            SslHandshakeException => (TransportFailure.TlsFailure, $"TLS handshake failed: {ex.Message}"),
            NotSupportedException when ex.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) =>
                (TransportFailure.TlsRequiredButUnavailable, "the smarthost does not offer STARTTLS and Tls is 'required'"),
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
