using System.Buffers;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace EmailRelay.DevSmtp;

/// <summary>
/// One SMTP connection. Replies are buffered and only written when the next read would block, which
/// answers a pipelined burst with a single write and never leaves a waiting client without its replies.
/// </summary>
internal sealed class SmtpSession : IAsyncDisposable
{
    // RFC 5321 4.5.3.1.4 allows 1000 octets including CRLF; counting without the line ending is
    // slightly lenient, which suits a test double better than being stricter than real servers.
    private const int MaxCommandLength = 1000;

    // A single huge message should not pin its buffer for the rest of a long-lived connection.
    private const int RetainedDataCapacity = 1024 * 1024;

    private static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Line too long");
    private static readonly SmtpReply Unrecognized = new(500, "5.5.1", "Command unrecognized");
    private static readonly SmtpReply SendHelloFirst = new(503, "5.5.1", "Bad sequence of commands: send EHLO/HELO first");
    private static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed maximum message size");

    private readonly SmtpTestServer _server;
    private readonly SmtpServerOptions _options;
    private readonly Socket _socket;
    private readonly SmtpLineReader _reader;
    private readonly ArrayBufferWriter<byte> _output = new(512);
    private readonly List<string> _recipients = [];
    private ArrayBufferWriter<byte> _data = new(16 * 1024);
    private Stream _stream;
    private bool _greeted;
    private bool _tls;
    private bool _authenticated;
    private string? _mailFrom;

    public SmtpSession(SmtpTestServer server, Socket socket, int connectionId)
    {
        _server = server;
        _options = server.Options;
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new SmtpLineReader(_stream);
        ConnectionId = connectionId;
    }

    private enum Next
    {
        Continue,
        Close,
    }

    public int ConnectionId { get; }

    public Task Completion { get; set; } = Task.CompletedTask;

    public static bool IsDisconnect(Exception ex) =>
        ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or AuthenticationException;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_server.Behavior.GreetingDelay is { Ticks: not 0 } greetingDelay)
        {
            await Task.Delay(greetingDelay, cancellationToken);
        }
        var greeting = _server.Behavior.Greeting;
        WriteReply(greeting ?? new SmtpReply(220, null, $"{_options.Hostname} ESMTP EmailRelay.DevSmtp"));
        var refusing = greeting is { IsPositive: false };
        if (greeting?.Code == 421)
        {
            await FlushAsync(cancellationToken);
            return;
        }

        while (true)
        {
            var line = await ReadCommandAsync(cancellationToken);
            if (line is null)
            {
                return;
            }

            var next = refusing ? Refuse(line) : await HandleAsync(line, cancellationToken);
            if (next == Next.Close)
            {
                await FlushAsync(cancellationToken);
                return;
            }
        }
    }

    /// <summary>Closes the socket from outside, so a pending read ends at once.</summary>
    public void Abort() => _socket.Dispose();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            // The socket may already be gone; closing it is all that is wanted here.
        }

        _socket.Dispose();
        _reader.Dispose();
    }

    private Next Refuse(string line)
    {
        var (verb, args) = Split(line);
        Record(verb, args);
        if (verb == "QUIT")
        {
            WriteReply(new SmtpReply(221, "2.0.0", "Bye"));
            return Next.Close;
        }

        // RFC 5321 3.1: after a refusing greeting the server waits for QUIT and answers 503 meanwhile.
        WriteReply(new SmtpReply(503, "5.5.1", "Bad sequence of commands: service refused, send QUIT"));
        return Next.Continue;
    }

    private async ValueTask<Next> HandleAsync(string line, CancellationToken cancellationToken)
    {
        var (verb, args) = Split(line);
        Record(verb, args);
        switch (verb)
        {
            case "EHLO":
                Ehlo(args);
                return Next.Continue;
            case "HELO":
                Helo(args);
                return Next.Continue;
            case "MAIL":
                Mail(args);
                return Next.Continue;
            case "RCPT":
                Rcpt(args);
                return Next.Continue;
            case "DATA":
                return await DataAsync(cancellationToken);
            case "RSET":
                ResetTransaction();
                WriteReply(SmtpReply.Ok());
                return Next.Continue;
            case "NOOP":
                WriteReply(SmtpReply.Ok());
                return Next.Continue;
            case "VRFY":
                WriteReply(new SmtpReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
                return Next.Continue;
            case "QUIT":
                WriteReply(new SmtpReply(221, "2.0.0", "Bye"));
                return Next.Close;
            case "STARTTLS":
                await StartTlsAsync(args, cancellationToken);
                return Next.Continue;
            case "AUTH":
                return await AuthAsync(args, cancellationToken);
            default:
                WriteReply(Unrecognized);
                return Next.Continue;
        }
    }

    private void Ehlo(string domain)
    {
        if (domain.Length == 0)
        {
            WriteReply(new SmtpReply(501, "5.5.4", "Syntax: EHLO domain"));
            return;
        }

        ResetTransaction();
        _greeted = true;
        var lines = new List<string>(8)
        {
            $"{_options.Hostname} greets {domain}",
            "PIPELINING",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            string.Create(CultureInfo.InvariantCulture, $"SIZE {_options.MaxMessageSize}"),
        };
        if (_server.Behavior.OfferSmtpUtf8)
        {
            lines.Add("SMTPUTF8");
        }
        if (_server.TlsContext is not null && !_tls)
        {
            lines.Add("STARTTLS");
        }

        if (_options.Username is not null && _tls)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        WriteReply(new SmtpReply(250, null, string.Join('\n', lines)));
    }

    private void Helo(string domain)
    {
        if (domain.Length == 0)
        {
            WriteReply(new SmtpReply(501, "5.5.4", "Syntax: HELO domain"));
            return;
        }

        ResetTransaction();
        _greeted = true;
        WriteReply(new SmtpReply(250, null, _options.Hostname));
    }

    private void Mail(string args)
    {
        if (!_greeted)
        {
            WriteReply(SendHelloFirst);
        }
        else if (_options.Username is not null && !_authenticated)
        {
            WriteReply(new SmtpReply(530, "5.7.0", "Authentication required"));
        }
        else if (_mailFrom is not null)
        {
            WriteReply(new SmtpReply(503, "5.5.1", "Bad sequence of commands: nested MAIL command"));
        }
        else if (!TryParsePath(args, "FROM:", out var address, out var parameters))
        {
            WriteReply(new SmtpReply(501, "5.5.4", "Syntax: MAIL FROM:<address>"));
        }
        else if (DeclaredSize(parameters) > _options.MaxMessageSize)
        {
            WriteReply(MessageTooBig);
        }
        else
        {
            _mailFrom = address;
            WriteReply(new SmtpReply(250, "2.1.0", "Ok"));
        }
    }

    private void Rcpt(string args)
    {
        if (_mailFrom is null)
        {
            WriteReply(new SmtpReply(503, "5.5.1", "Bad sequence of commands: need MAIL before RCPT"));
            return;
        }

        if (!TryParsePath(args, "TO:", out var address, out _))
        {
            WriteReply(new SmtpReply(501, "5.5.4", "Syntax: RCPT TO:<address>"));
            return;
        }

        var reply = Script(() => _server.Behavior.OnRcpt(address));
        if (reply.IsPositive)
        {
            _recipients.Add(address);
        }

        WriteReply(reply);
    }

    private async ValueTask<Next> DataAsync(CancellationToken cancellationToken)
    {
        if (_mailFrom is null)
        {
            WriteReply(new SmtpReply(503, "5.5.1", "Bad sequence of commands: need MAIL before DATA"));
            return Next.Continue;
        }

        if (_recipients.Count == 0)
        {
            WriteReply(new SmtpReply(554, "5.5.1", "No valid recipients"));
            return Next.Continue;
        }

        var behavior = _server.Behavior.Data;
        WriteReply(new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>"));
        await FlushAsync(cancellationToken);

        if (behavior == DataBehavior.DropBeforeDot)
        {
            if (!_reader.HasBufferedData)
            {
                await _reader.FillAsync(cancellationToken);
            }

            return Next.Close;
        }

        var transfer = new DataTransfer(_options.MaxMessageSize);
        _data.ResetWrittenCount();
        while (!ConsumeData(ref transfer))
        {
            if (!await _reader.FillAsync(cancellationToken))
            {
                // The client vanished mid-message: nothing was accepted, so nothing is recorded.
                return Next.Close;
            }
        }

        var message = new ReceivedMessage(
            _mailFrom, [.. _recipients], transfer.TooBig ? [] : _data.WrittenSpan.ToArray(),
            _tls, _authenticated, ConnectionId, DateTimeOffset.UtcNow);
        ResetTransaction();
        if (_data.Capacity > RetainedDataCapacity)
        {
            _data = new ArrayBufferWriter<byte>(16 * 1024);
        }

        if (transfer.TooBig)
        {
            WriteReply(MessageTooBig);
            return Next.Continue;
        }

        switch (behavior)
        {
            case DataBehavior.StallAfterDot:
                await _server.RecordMessageAsync(message, cancellationToken);
                await StallAsync(cancellationToken);
                return Next.Close;
            case DataBehavior.DropAfterDot:
                await _server.RecordMessageAsync(message, cancellationToken);
                return Next.Close;
            default:
                if (_server.Behavior.DataReplyDelay is { Ticks: > 0 } delay)
                {
                    await Task.Delay(delay, cancellationToken);
                }
                var reply = Script(() => _server.Behavior.OnData(message));
                if (reply.IsPositive)
                {
                    await _server.RecordMessageAsync(message, cancellationToken);
                }

                WriteReply(reply);
                return Next.Continue;
        }
    }

    /// <summary>Moves buffered message lines into <see cref="_data"/>; true once the terminating dot is seen.</summary>
    private bool ConsumeData(ref DataTransfer transfer)
    {
        while (_reader.TryReadLine(out var memory, out var complete))
        {
            var line = memory.Span;
            if (transfer.AtLineStart && line[0] == (byte)'.')
            {
                if (complete && line.Length <= 3 && (line.Length == 2 || line[1] == (byte)'\r'))
                {
                    return true;
                }

                line = line[1..];
            }

            transfer.Size += line.Length;
            if (transfer.Size > transfer.Limit)
            {
                transfer.TooBig = true;
            }
            else
            {
                _data.Write(line);
            }

            transfer.AtLineStart = complete;
        }

        return false;
    }

    /// <summary>Keeps the connection open and silent, draining input so the client's writes never block.</summary>
    private async Task StallAsync(CancellationToken cancellationToken)
    {
        _reader.DiscardBuffered();
        while (await _reader.FillAsync(cancellationToken))
        {
            _reader.DiscardBuffered();
        }
    }

    private async Task StartTlsAsync(string args, CancellationToken cancellationToken)
    {
        if (_server.TlsContext is null)
        {
            WriteReply(new SmtpReply(454, "4.7.0", "TLS not available"));
            return;
        }

        if (_tls)
        {
            WriteReply(new SmtpReply(503, "5.5.1", "Bad sequence of commands: TLS already active"));
            return;
        }

        if (args.Length > 0)
        {
            WriteReply(new SmtpReply(501, "5.5.4", "Syntax: STARTTLS"));
            return;
        }

        WriteReply(new SmtpReply(220, "2.0.0", "Ready to start TLS"));
        await FlushAsync(cancellationToken);
        _reader.DiscardBuffered();
        if (_server.Behavior.BreakTlsHandshake)
        {
            // A plain-text line where the ServerHello belongs: the client's handshake fails at once.
            await _stream.WriteAsync("421 4.7.0 TLS is broken here\r\n"u8.ToArray(), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
            throw new IOException("STARTTLS handshake broken on purpose (BreakTlsHandshake)");
        }

        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        _stream = tls;
        _reader.Stream = tls;
        await tls.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _server.TlsContext,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = false,
            },
            cancellationToken);

        // RFC 3207 4.2: everything learned before the handshake is forgotten.
        _tls = true;
        _greeted = false;
        _authenticated = false;
        ResetTransaction();
    }

    private async ValueTask<Next> AuthAsync(string args, CancellationToken cancellationToken)
    {
        if (_options.Username is null)
        {
            WriteReply(new SmtpReply(502, "5.5.1", "AUTH not available"));
            return Next.Continue;
        }

        if (!_tls)
        {
            WriteReply(new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
            return Next.Continue;
        }

        if (!_greeted)
        {
            WriteReply(SendHelloFirst);
            return Next.Continue;
        }

        if (_authenticated || _mailFrom is not null)
        {
            WriteReply(new SmtpReply(503, "5.5.1", "Bad sequence of commands: AUTH not allowed now"));
            return Next.Continue;
        }

        var (mechanism, initial) = Split(args);
        string? username;
        string? password;
        switch (mechanism)
        {
            case "PLAIN":
                var response = initial.Length > 0 ? initial : await ChallengeAsync(string.Empty, cancellationToken);
                if (response is null)
                {
                    return Next.Close;
                }

                if (response == "*")
                {
                    WriteReply(new SmtpReply(501, "5.7.0", "Authentication cancelled"));
                    return Next.Continue;
                }

                // authzid NUL authcid NUL password; the authorization identity is not checked.
                var parts = Decode(response)?.Split('\0');
                username = parts?.Length == 3 ? parts[1] : null;
                password = parts?.Length == 3 ? parts[2] : null;
                break;
            case "LOGIN":
                var user = initial.Length > 0 ? initial : await ChallengeAsync("VXNlcm5hbWU6", cancellationToken);
                if (user is null)
                {
                    return Next.Close;
                }

                var pass = user == "*" ? user : await ChallengeAsync("UGFzc3dvcmQ6", cancellationToken);
                if (pass is null)
                {
                    return Next.Close;
                }

                if (pass == "*")
                {
                    WriteReply(new SmtpReply(501, "5.7.0", "Authentication cancelled"));
                    return Next.Continue;
                }

                username = Decode(user);
                password = Decode(pass);
                break;
            default:
                WriteReply(new SmtpReply(504, "5.5.4", "Unrecognized authentication type"));
                return Next.Continue;
        }

        if (username is null || password is null)
        {
            WriteReply(new SmtpReply(501, "5.5.2", "Cannot decode response"));
        }
        else if (username == _options.Username && password == _options.Password)
        {
            _authenticated = true;
            WriteReply(new SmtpReply(235, "2.7.0", "Authentication successful"));
        }
        else
        {
            WriteReply(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
        }

        return Next.Continue;
    }

    private ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        WriteReply(new SmtpReply(334, null, challenge));
        return ReadCommandAsync(cancellationToken);
    }

    /// <summary>Next command line without its line ending, or null at end of stream.</summary>
    private async ValueTask<string?> ReadCommandAsync(CancellationToken cancellationToken)
    {
        var overlong = false;
        while (true)
        {
            if (_reader.TryReadLine(out var memory, out var complete))
            {
                var line = TrimLineEnd(memory.Span);
                if (!complete || line.Length > MaxCommandLength || overlong)
                {
                    // Swallow the rest of an overlong line and answer it once, as a whole.
                    overlong = !complete;
                    if (complete)
                    {
                        WriteReply(LineTooLong);
                    }

                    continue;
                }

                return Encoding.UTF8.GetString(line);
            }

            await FlushAsync(cancellationToken);
            if (!await _reader.FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    private void WriteReply(SmtpReply reply)
    {
        var lines = reply.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var separator = i == lines.Length - 1 ? ' ' : '-';
            var text = lines[i].TrimEnd('\r');
            var formatted = reply.EnhancedCode is null
                ? string.Create(CultureInfo.InvariantCulture, $"{reply.Code}{separator}{text}\r\n")
                : string.Create(CultureInfo.InvariantCulture, $"{reply.Code}{separator}{reply.EnhancedCode} {text}\r\n");
            var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(formatted.Length));
            _output.Advance(Encoding.UTF8.GetBytes(formatted, span));
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_output.WrittenCount == 0)
        {
            return;
        }

        await _stream.WriteAsync(_output.WrittenMemory, cancellationToken);
        _output.ResetWrittenCount();
    }

    private void ResetTransaction()
    {
        _mailFrom = null;
        _recipients.Clear();
    }

    /// <summary>A throwing script is a bug in the test, so it surfaces as a visible 451 rather than a dead socket.</summary>
    private static SmtpReply Script(Func<SmtpReply> script)
    {
        try
        {
            return script() ?? new SmtpReply(451, "4.3.0", "DevSmtp behavior returned no reply");
        }
#pragma warning disable CA1031 // Any exception from user code becomes a protocol reply.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new SmtpReply(451, "4.3.0", $"DevSmtp behavior threw {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }

    private static (string Verb, string Args) Split(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0
            ? (line.ToUpperInvariant(), string.Empty)
            : (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
    }

    private void Record(string verb, string args)
    {
        if (verb == "AUTH")
        {
            var (mechanism, initial) = Split(args);
            _server.RecordCommand(initial.Length == 0 ? $"AUTH {mechanism}" : $"AUTH {mechanism} ***");
        }
        else
        {
            _server.RecordCommand(args.Length == 0 ? verb : $"{verb} {args}");
        }
    }

    private static ReadOnlySpan<byte> TrimLineEnd(ReadOnlySpan<byte> line)
    {
        if (line.EndsWith((byte)'\n'))
        {
            line = line[..^1];
        }

        return line.EndsWith((byte)'\r') ? line[..^1] : line;
    }

    /// <summary>Parses "FROM:&lt;a@b&gt; PARAMS"; also takes a bare address, as lenient servers do.</summary>
    private static bool TryParsePath(string args, string keyword, out string address, out string parameters)
    {
        address = string.Empty;
        parameters = string.Empty;
        if (!args.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = args.AsSpan(keyword.Length).TrimStart(' ');
        if (rest.StartsWith('<'))
        {
            var close = rest.IndexOf('>');
            if (close < 0)
            {
                return false;
            }

            address = rest[1..close].ToString();
            parameters = rest[(close + 1)..].Trim(' ').ToString();
            return true;
        }

        var space = rest.IndexOf(' ');
        var bare = space < 0 ? rest : rest[..space];
        if (bare.IsEmpty)
        {
            return false;
        }

        address = bare.ToString();
        parameters = space < 0 ? string.Empty : rest[(space + 1)..].Trim(' ').ToString();
        return true;
    }

    private static long DeclaredSize(string parameters)
    {
        foreach (var parameter in parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (parameter.StartsWith("SIZE=", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(parameter.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                return size;
            }
        }

        return 0;
    }

    private static string? Decode(string base64)
    {
        if (base64 == "=")
        {
            return string.Empty;
        }

        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var written)
            ? Encoding.UTF8.GetString(bytes, 0, written)
            : null;
    }

    private struct DataTransfer(long limit)
    {
        public readonly long Limit = limit;
        public long Size;
        public bool TooBig;
        public bool AtLineStart = true;
    }
}
