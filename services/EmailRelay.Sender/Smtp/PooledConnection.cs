using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit.Security;

namespace EmailRelay.Sender.Smtp;

/// <summary>One open, greeted (and, per endpoint, encrypted and authenticated) SMTP session.</summary>
public sealed class PooledConnection : IAsyncDisposable
{
    private PooledConnection(RelaySmtpClient client, SmtpEndpoint endpoint, string? remoteIp, string? tlsFallback)
    {
        Client = client;
        Endpoint = endpoint;
        RemoteIp = remoteIp;
        TlsFallback = tlsFallback;
        OpenedTimestamp = Stopwatch.GetTimestamp();
    }

    public RelaySmtpClient Client { get; }
    public SmtpEndpoint Endpoint { get; }
    public string RemoteHost => Endpoint.Host;
    public string? RemoteIp { get; }
    public bool Tls => Client.IsSecure;

    /// <summary>
    /// Set when this session is in clear text because the STARTTLS handshake failed on an endpoint
    /// where TLS is optional: the handshake's error, recorded with every attempt it carries.
    /// </summary>
    public string? TlsFallback { get; }

    public int Transactions { get; set; }
    public long LastUsedTimestamp { get; set; }
    public long OpenedTimestamp { get; }

    /// <summary>
    /// Opens a session. <paramref name="plain"/>: skip STARTTLS whatever the endpoint says — only for
    /// the one retry in clear after a failed handshake where TLS is optional (<paramref name="tlsFallback"/> says why).
    /// </summary>
    public static async Task<PooledConnection> OpenAsync(SmtpEndpoint endpoint, SmtpClientSettings settings, bool plain, string? tlsFallback,
        CancellationToken cancellationToken)
    {
        var client = new RelaySmtpClient(new DataPhaseTracker())
        {
            Timeout = (int)settings.CommandTimeout.TotalMilliseconds,
            LocalDomain = settings.HeloName,
        };
        if (endpoint.Tls == TlsMode.Opportunistic || endpoint.AcceptInvalidCertificates)
        {
            // Opportunistic TLS only protects against passive listening; it never authenticates
            // the server (RFC 7435), so an unverifiable certificate must not block delivery.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }
        try
        {
            var socket = await ConnectSocketAsync(endpoint, settings.ConnectTimeout, cancellationToken);
            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
            var remoteIp = (address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address)?.ToString();
            var secure = plain ? SecureSocketOptions.None : endpoint.Tls switch
            {
                TlsMode.None => SecureSocketOptions.None,
                TlsMode.Opportunistic => SecureSocketOptions.StartTlsWhenAvailable,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(socket, endpoint.Host, endpoint.Port, secure, cancellationToken);
            if (endpoint.Username is not null)
            {
                await client.AuthenticateAsync(endpoint.Username, endpoint.Password ?? "", cancellationToken);
            }
            return new PooledConnection(client, endpoint, remoteIp, tlsFallback);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<Socket> ConnectSocketAsync(SmtpEndpoint endpoint, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (endpoint.Address is { } address)
            {
                await socket.ConnectAsync(address, endpoint.Port, timeout.Token);
            }
            else
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
            }
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {endpoint.Address?.ToString() ?? endpoint.Host}:{endpoint.Port} timed out after {connectTimeout.TotalSeconds:0.#} s.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The gate's permit for this connection (<see cref="ISmtpConnectionGate"/>), given back when it closes.</summary>
    public IAsyncDisposable? Permit { get; set; }

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
            if (Permit is not null)
            {
                await Permit.DisposeAsync();
            }
        }
    }
}
