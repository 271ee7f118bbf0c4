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

    // How much of "354" the current line has matched so far; -1 once the line cannot be a 354.
    // Kept across calls because a reply can be split over two reads.
    private int _matched;

    public bool DataStarted => _dataStarted;

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void Reset()
    {
        _dataStarted = false;
        _matched = 0;
    }

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        ReadOnlySpan<byte> code = "354"u8;
        foreach (var b in buffer.AsSpan(offset, count))
        {
            if (_dataStarted)
            {
                return;
            }
            if (b == (byte)'\n')
            {
                _matched = 0;
            }
            else if (_matched >= 0 && _matched < code.Length)
            {
                _matched = b == code[_matched] ? _matched + 1 : -1;
                _dataStarted = _matched == code.Length;
            }
        }
    }

    public void Dispose()
    {
    }
}
