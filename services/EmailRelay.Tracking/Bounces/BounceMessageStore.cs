using System.Buffers;
using System.Net;
using SmtpServer;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// Hands each received report to <see cref="BounceIntake"/> and answers 250 only once what it
/// found is committed; a database that is down is a 451, so the reporting MTA keeps the report
/// and tries again — nothing it sent is lost.
/// </summary>
public sealed partial class BounceMessageStore(BounceIntake intake, ILogger<BounceMessageStore> logger) : MessageStore
{
    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
        CancellationToken cancellationToken)
    {
        var remote = context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var endpoint) && endpoint is IPEndPoint ip
            ? ip.Address.ToString() : null;
        var envelope = new BounceEnvelope(
            transaction.From is { } from && !string.IsNullOrEmpty(from.User) ? $"{from.User}@{from.Host}" : "",
            transaction.To.Select(to => $"{to.User}@{to.Host}").ToList(),
            remote);
        try
        {
            var outcome = await intake.ReceiveAsync(envelope, buffer.ToArray(), cancellationToken);
            return new SmtpResponse(SmtpReplyCode.Ok, $"2.0.0 Ok: {outcome}");
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            LogStoreFailed(logger, ex.GetType().Name, ex.Message);
            return new SmtpResponse((SmtpReplyCode)451, "4.3.0 Cannot record the report now; try again later");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A bounce could not be recorded ({ExceptionType}: {Reason}); answered 451")]
    private static partial void LogStoreFailed(ILogger logger, string exceptionType, string reason);
}

/// <summary>Who sent a report to whom: the SMTP envelope and the client's address.</summary>
public sealed record BounceEnvelope(string MailFrom, IReadOnlyList<string> RcptTo, string? RemoteIp);
