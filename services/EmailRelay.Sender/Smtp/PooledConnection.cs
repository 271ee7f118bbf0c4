using System.Net;
using System.Net.Sockets;
using MailKit.Security;

namespace EmailRelay.Sender.Smtp;

/// <summary>One open, greeted (and, per route, encrypted and authenticated) SMTP session.</summary>
public sealed class PooledConnection : IAsyncDisposable
{
    private PooledConnection(RelaySmtpClient client, string remoteHost, string? remoteIp)
    {
        Client = client;
        RemoteHost = remoteHost;
        RemoteIp = remoteIp;
    }

    public RelaySmtpClient Client { get; }
    public string RemoteHost { get; }
    public string? RemoteIp { get; }
    public bool Tls => Client.IsSecure;
    public int Transactions { get; set; }
    public long LastUsedTimestamp { get; set; }

    public static async Task<PooledConnection> OpenAsync(SmtpRoute route, CancellationToken cancellationToken)
    {
        var client = new RelaySmtpClient(new DataPhaseTracker())
        {
            Timeout = (int)route.CommandTimeout.TotalMilliseconds,
            LocalDomain = route.HeloName,
        };
        if (route.Tls == Delivery.TlsMode.Opportunistic || route.AcceptInvalidCertificates)
        {
            // Opportunistic TLS only protects against passive listening; it never authenticates
            // the server (RFC 7435), so an unverifiable certificate must not block delivery.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }
        try
        {
            var socket = await ConnectSocketAsync(route, cancellationToken);
            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
            var remoteIp = (address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address)?.ToString();
            var secure = route.Tls switch
            {
                Delivery.TlsMode.None => SecureSocketOptions.None,
                Delivery.TlsMode.Opportunistic => SecureSocketOptions.StartTlsWhenAvailable,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(socket, route.Host, route.Port, secure, cancellationToken);
            if (route.Username is not null)
            {
                await client.AuthenticateAsync(route.Username, route.Password ?? "", cancellationToken);
            }
            return new PooledConnection(client, route.Host, remoteIp);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<Socket> ConnectSocketAsync(SmtpRoute route, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(route.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(route.Host, route.Port, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {route.Host}:{route.Port} timed out after {route.ConnectTimeout.TotalSeconds:0.#} s.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Client.DisconnectAsync(quit: true, quit.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or MailKit.ProtocolException or TimeoutException)
        {
            // Closing a session that already broke: nothing to save.
        }
        finally
        {
            Client.Dispose();
        }
    }
}
