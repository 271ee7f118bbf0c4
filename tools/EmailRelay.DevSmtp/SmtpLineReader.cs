using System.Buffers;

namespace EmailRelay.DevSmtp;

/// <summary>
/// Buffered line splitter over the connection stream. Lines are handed out as slices of the buffer,
/// valid until the next <see cref="FillAsync"/>, so reading a pipelined burst allocates nothing.
/// </summary>
internal sealed class SmtpLineReader : IDisposable
{
    private const int BufferSize = 32 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _start;
    private int _end;

    public SmtpLineReader(Stream stream) => Stream = stream;

    /// <summary>Swapped for the SslStream after STARTTLS.</summary>
    public Stream Stream { get; set; }

    public bool HasBufferedData => _end > _start;

    /// <summary>
    /// Takes the next line including its LF. When the buffer is full without an LF, the whole buffer is
    /// returned with <paramref name="complete"/> false, so arbitrarily long DATA lines still stream through.
    /// </summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line, out bool complete)
    {
        var pending = _buffer.AsSpan(_start, _end - _start);
        var lf = pending.IndexOf((byte)'\n');
        if (lf >= 0)
        {
            line = _buffer.AsMemory(_start, lf + 1);
            _start += lf + 1;
            complete = true;
            return true;
        }

        if (_start == 0 && _end == _buffer.Length)
        {
            line = _buffer.AsMemory(0, _end);
            _start = _end;
            complete = false;
            return true;
        }

        line = default;
        complete = false;
        return false;
    }

    /// <summary>Reads more bytes from the stream; false at end of stream.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var read = await Stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    /// <summary>
    /// Drops buffered input. Used at STARTTLS: plaintext pipelined behind it must not be
    /// interpreted as if it had arrived over TLS (the classic command-injection hole).
    /// </summary>
    public void DiscardBuffered()
    {
        _start = 0;
        _end = 0;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
