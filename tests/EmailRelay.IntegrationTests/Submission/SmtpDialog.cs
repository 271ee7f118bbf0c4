using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>
/// A line-by-line SMTP client for the tests that must see exact replies (refusals, EHLO lines),
/// which a full client library would hide or refuse to send.
/// </summary>
public sealed class SmtpDialog : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;

    private SmtpDialog(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
    }

    public string Greeting { get; private set; } = "";

    public static async Task<SmtpDialog> ConnectAsync(int port, bool implicitTls = false)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        Stream stream = client.GetStream();
        if (implicitTls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            using var handshake = new CancellationTokenSource(ReplyTimeout);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, handshake.Token);
            stream = ssl;
        }
        var dialog = new SmtpDialog(client, stream);
        dialog.Greeting = await dialog.ReadReplyAsync();
        return dialog;
    }

    /// <summary>Sends one line and returns the whole reply (every line of a multi-line one, joined by LF).</summary>
    public async Task<string> CommandAsync(string line)
    {
        await WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        return await ReadReplyAsync();
    }

    public async Task<string> StartTlsAsync()
    {
        var reply = await CommandAsync("STARTTLS");
        Assert.StartsWith("220", reply, StringComparison.Ordinal);
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
        return reply;
    }

    /// <summary>Connected to the STARTTLS port, TLS up, authenticated as apikey with <paramref name="key"/>.</summary>
    public static async Task<SmtpDialog> AuthenticatedAsync(int port, string key)
    {
        var dialog = await ConnectAsync(port);
        await dialog.CommandAsync("EHLO client.test");
        await dialog.StartTlsAsync();
        await dialog.CommandAsync("EHLO client.test");
        Assert.StartsWith("235", await dialog.AuthPlainAsync("apikey", key), StringComparison.Ordinal);
        return dialog;
    }

    public async Task<string> AuthPlainAsync(string user, string password) =>
        await CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}")));

    /// <summary>DATA, then <paramref name="message"/> (CRLF line ends, no line starting with a dot), then the final dot.</summary>
    public async Task<string> DataAsync(byte[] message)
    {
        var reply = await CommandAsync("DATA");
        if (!reply.StartsWith("354", StringComparison.Ordinal))
        {
            return reply;
        }
        await WriteAsync(message);
        await WriteAsync(Encoding.ASCII.GetBytes(".\r\n"));
        return await ReadReplyAsync();
    }

    public async Task WriteAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null)
            {
                return string.Join("\n", lines);
            }
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    // A server that never answers must fail the test, not hang the run.
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private async Task<string?> ReadLineAsync()
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        while (await _stream.ReadAsync(one, timeout.Token) == 1)
        {
            if (one[0] == '\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
            }
            bytes.Add(one[0]);
        }
        return bytes.Count > 0 ? Encoding.UTF8.GetString(bytes.ToArray()) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
