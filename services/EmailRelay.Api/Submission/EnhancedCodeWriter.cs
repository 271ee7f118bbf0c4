using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace EmailRelay.Api.Submission;

/// <summary>
/// The library words some replies itself without an RFC 3463 code ("250 Ok", "235 go ahead",
/// "503 bad sequence of commands"); once ENHANCEDSTATUSCODES is announced every 2xx/4xx/5xx reply
/// must carry one (RFC 2034 §4). This writer adds it on the way out, at each flush, to every
/// reply line that lacks one — the greeting and STARTTLS's 220 and the EHLO lines excepted.
/// </summary>
public sealed class EnhancedCodeWriter(Func<PipeWriter> inner) : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _pending = new();

    public override void Advance(int bytes) => _pending.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner().CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner().Complete(exception);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var output = inner();
        if (_pending.WrittenCount > 0)
        {
            var text = Encoding.UTF8.GetString(_pending.WrittenSpan);
            _pending.Clear();
            await output.WriteAsync(Encoding.UTF8.GetBytes(WithCodes(text)), cancellationToken);
            return new FlushResult(false, false);
        }
        return await output.FlushAsync(cancellationToken);
    }

    /// <summary>Adds the enhanced code each reply line lacks; everything else is left as it is.</summary>
    public static string WithCodes(string text)
    {
        var lines = text.Split("\r\n");
        var ehlo = lines.Length > 0 && lines[0].StartsWith("250-", StringComparison.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (ehlo || line.Length < 4 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
                || line[3] is not (' ' or '-') || line[0] is not ('2' or '4' or '5') || line.StartsWith("220", StringComparison.Ordinal)
                || HasCode(line.AsSpan(4)))
            {
                continue;
            }
            lines[i] = $"{line[..4]}{CodeFor(line[..3])} {line[4..]}";
        }
        return string.Join("\r\n", lines);
    }

    /// <summary>Whether the text starts with "class.subject.detail" (RFC 3463), alone or followed by a space.</summary>
    private static bool HasCode(ReadOnlySpan<char> text)
    {
        var space = text.IndexOf(' ');
        var first = space < 0 ? text : text[..space];
        return first.Length >= 5 && first[0] is '2' or '4' or '5' && first[1] == '.' && first.Count('.') == 2
            && !first.ContainsAnyExcept("0123456789.");
    }

    private static string CodeFor(string reply) => reply switch
    {
        "235" => "2.7.0",
        "421" => "4.7.0",
        "451" => "4.3.0",
        "500" => "5.5.2",
        "501" => "5.5.4",
        "502" => "5.5.1",
        "503" => "5.5.1",
        "504" => "5.5.4",
        "530" => "5.7.0",
        "535" => "5.7.8",
        "550" => "5.0.0",
        "552" => "5.3.4",
        "554" => "5.0.0",
        _ => $"{reply[0]}.0.0",
    };
}
