using MailKit;

namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Watches the server side of the conversation for the 354 that opens the DATA phase. A failure
/// after that and before the final reply is ambiguous: the server may already hold the message
/// (RFC 5321 §4.5.3.2.6), so the retry may duplicate it and the attempt is flagged.
/// </summary>
public sealed class DataPhaseTracker : IProtocolLogger
{
    private volatile bool _dataStarted;

    public bool DataStarted => _dataStarted;

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void Reset() => _dataStarted = false;

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        if (_dataStarted)
        {
            return;
        }
        // Replies arrive whole lines at a time; pipelined replies can share one buffer.
        var span = buffer.AsSpan(offset, count);
        while (span.Length >= 3)
        {
            if (span[0] == (byte)'3' && span[1] == (byte)'5' && span[2] == (byte)'4')
            {
                _dataStarted = true;
                return;
            }
            var next = span.IndexOf((byte)'\n');
            if (next < 0)
            {
                return;
            }
            span = span[(next + 1)..];
        }
    }

    public void Dispose()
    {
    }
}
