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
        PooledConnection connection;
        try
        {
            connection = await pool.RentAsync(cancellationToken);
        }
        catch (Exception ex) when (Describe(ex, dataStarted: false) is { } failure)
        {
            return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), pool.Route.Host, null, false,
                new Dictionary<string, SmtpReplyInfo>(), null, false, failure.Kind, failure.Detail);
        }

        var client = connection.Client;
        client.BeginTransaction();
        SmtpReplyInfo? transactionReply = null;
        var senderRefused = false;
        (TransportFailure Kind, string Detail)? transportFailure = null;
        var reusable = true;
        try
        {
            var response = await client.SendAsync(Wire, message, MailboxAddress.Parse(envelopeFrom),
                recipients.Select(r => MailboxAddress.Parse(r)), cancellationToken);
            // MailKit only returns after a 250 to the final dot.
            transactionReply = SmtpReplyInfo.From(250, response);
        }
        catch (NoRecipientsAcceptedException)
        {
            // Each refusal is in RecipientReplies already.
        }
        catch (SmtpCommandException ex)
        {
            // MAIL FROM or the final DATA reply refused: the session itself is still usable.
            transactionReply = SmtpReplyInfo.From((int)ex.StatusCode, ex.Message);
            senderRefused = ex.ErrorCode == SmtpErrorCode.SenderNotAccepted;
        }
        catch (Exception ex) when (Describe(ex, client.Tracker.DataStarted) is { } failure)
        {
            transportFailure = failure;
            reusable = false;
        }
        finally
        {
            await pool.ReturnAsync(connection, reusable);
        }

        return new TransactionResult(startedAt, Stopwatch.GetElapsedTime(started), connection.RemoteHost, connection.RemoteIp,
            connection.Tls, new Dictionary<string, SmtpReplyInfo>(client.RecipientReplies, StringComparer.OrdinalIgnoreCase),
            transactionReply, senderRefused, transportFailure?.Kind, transportFailure?.Detail);
    }

    /// <summary>Names the transport failures a delivery can meet; anything else is a bug and propagates.</summary>
    private static (TransportFailure Kind, string Detail)? Describe(Exception ex, bool dataStarted)
    {
        if (ex is OperationCanceledException { CancellationToken.IsCancellationRequested: true } && !IsTimeout(ex))
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
            ProtocolException => (TransportFailure.ProtocolError, $"SMTP protocol error: {ex.Message}"),
            _ => null,
        };
    }

    private static bool IsTimeout(Exception ex) => ex.InnerException is TimeoutException;

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}
