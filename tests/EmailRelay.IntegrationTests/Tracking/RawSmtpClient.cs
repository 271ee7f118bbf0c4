using System.Net.Sockets;
using System.Text;

namespace EmailRelay.IntegrationTests.Tracking;

/// <summary>
/// An SMTP client that says exactly what a reporting MTA says — the null sender included, which
/// mail libraries avoid — and hands back every reply, so a test can check refusals too.
/// </summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.ASCII);
    }

    public static async Task<RawSmtpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawSmtpClient(tcp);
        var greeting = await client.ReadReplyAsync();
        Assert.StartsWith("220", greeting);
        Assert.StartsWith("250", await client.CommandAsync("EHLO mx.example.net"));
        return client;
    }

    /// <summary>Sends one command line; returns the whole reply (multi-line replies joined by newlines).</summary>
    public async Task<string> CommandAsync(string line)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        return await ReadReplyAsync();
    }

    /// <summary>MAIL, RCPT for each recipient, DATA and the message; returns the reply to the final dot (or the first refusal).</summary>
    public async Task<string> SendAsync(string mailFrom, IEnumerable<string> rcptTo, string message)
    {
        var reply = await CommandAsync($"MAIL FROM:<{mailFrom}>");
        if (!reply.StartsWith("250", StringComparison.Ordinal))
        {
            return reply;
        }
        foreach (var recipient in rcptTo)
        {
            reply = await CommandAsync($"RCPT TO:<{recipient}>");
            if (!reply.StartsWith("250", StringComparison.Ordinal))
            {
                await CommandAsync("RSET");
                return reply;
            }
        }
        reply = await CommandAsync("DATA");
        if (!reply.StartsWith("354", StringComparison.Ordinal))
        {
            return reply;
        }
        var stuffed = string.Join("\r\n", message.Split("\r\n").Select(l => l.StartsWith('.') ? "." + l : l));
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(stuffed.TrimEnd('\r', '\n') + "\r\n.\r\n"));
        return await ReadReplyAsync();
    }

    private async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync() ?? throw new IOException("the server closed the connection");
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CommandAsync("QUIT");
        }
        catch (IOException)
        {
        }
        _tcp.Dispose();
    }
}
