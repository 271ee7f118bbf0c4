using System.Net.Sockets;
using System.Text;

namespace EmailRelay.IntegrationTests.Api.Hostile;

/// <summary>Writes bytes to a fresh TCP connection and reads back the status code of the first response.</summary>
public static class RawHttp
{
    /// <summary>The status code, or null when the server closed the connection without a response line.</summary>
    public static async Task<(int? Status, string Head)> SendAsync(int port, RawRequest request, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port, cancel.Token);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request.Bytes, cancel.Token);
        }
        catch (IOException)
        {
            // The server may answer (413, 400) and close before taking the whole body: read what it said.
        }

        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (received.Length < 64 * 1024)
            {
                var read = await stream.ReadAsync(buffer, cancel.Token);
                if (read == 0)
                {
                    break;
                }
                received.Write(buffer, 0, read);
                var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
                if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    break;   // the status line and headers are all this needs
                }
            }
        }
        catch (IOException)
        {
            // Reset after the response was written: keep what arrived.
        }
        var head = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        var firstLine = head.Split("\r\n")[0];
        var parts = firstLine.Split(' ');
        return parts.Length >= 2 && parts[0].StartsWith("HTTP/", StringComparison.Ordinal) && int.TryParse(parts[1], out var status)
            ? (status, firstLine)
            : (null, firstLine);
    }
}
