using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EmailRelay.UnitTests.DevSmtp;

/// <summary>
/// A bare socket client for what MailKit cannot express: exact bytes on the wire, several commands in
/// one write, and observing a server that closes or goes silent.
/// </summary>
internal sealed class RawSmtpConnection : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private Stream _stream;
    private StreamReader _reader;

    private RawSmtpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
    }

    public static async Task<RawSmtpConnection> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return new RawSmtpConnection(client);
    }

    /// <summary>Connects and consumes the greeting and the EHLO reply.</summary>
    public static async Task<RawSmtpConnection> ConnectAndGreetAsync(int port)
    {
        var connection = await ConnectAsync(port);
        Assert.Equal(220, (await connection.ReadReplyAsync()).Code);
        await connection.SendAsync("EHLO raw.test\r\n");
        Assert.Equal(250, (await connection.ReadReplyAsync()).Code);
        return connection;
    }

    /// <summary>
    /// Switches to TLS after the server's 220; the reader is replaced, which is safe only because the
    /// server sends nothing between its 220 and the handshake.
    /// </summary>
    public async Task UpgradeToTlsAsync(X509Certificate2 expected)
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate?.GetCertHashString() == expected.GetCertHashString(),
        });
        _stream = tls;
        _reader = new StreamReader(tls, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Reads one possibly multi-line reply.</summary>
    public async Task<RawReply> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(deadline.Token)
                ?? throw new IOException($"Connection closed after: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return new RawReply(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
            }
        }
    }

    public async Task<List<RawReply>> ReadRepliesAsync(int count)
    {
        var replies = new List<RawReply>(count);
        for (var i = 0; i < count; i++)
        {
            replies.Add(await ReadReplyAsync());
        }

        return replies;
    }

    /// <summary>True if the server closed the connection within the timeout; false if it stayed open and silent.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var line = await _reader.ReadLineAsync(deadline.Token);
            Assert.Null(line);
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}

internal sealed record RawReply(int Code, IReadOnlyList<string> Lines)
{
    public string Text => string.Join("\n", Lines);
}
