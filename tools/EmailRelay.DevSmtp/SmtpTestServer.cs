using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace EmailRelay.DevSmtp;

/// <summary>
/// A scriptable SMTP server on 127.0.0.1 for tests and local development. Everything it receives is
/// recorded; how it answers is driven by <see cref="Behavior"/>, which may be changed at any time.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, SmtpSession> _sessions = new();
    private readonly Lock _gate = new();
    private readonly List<ReceivedMessage> _messages = [];
    private readonly List<string> _commands = [];
    private TaskCompletionSource _messageArrived = NewSignal();
    private int _receivedCount;
    private int _connectionCount;
    private int _openConnections;
    private int _maxOpenConnections;
    private long _sequence;
    private int _disposed;
    private Task _acceptLoop = Task.CompletedTask;

    private SmtpTestServer(SmtpServerOptions options, Socket listener)
    {
        Options = options;
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        if (options.Certificate is { } certificate)
        {
            // Built once: chain building per handshake would dominate a TLS-heavy test run.
            TlsContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        }
    }

    /// <summary>
    /// Raised after a message is recorded, on the connection's task and before the client gets its reply.
    /// A throwing handler ends that connection and its exception resurfaces from <see cref="DisposeAsync"/>.
    /// </summary>
    public event EventHandler<ReceivedMessage>? MessageReceived;

    public int Port { get; }

    public SmtpServerBehavior Behavior { get; } = new();

    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_gate)
            {
                return [.. _commands];
            }
        }
    }

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>The most connections open at the same time since the server started (a limit test's witness).</summary>
    public int MaxOpenConnections => Volatile.Read(ref _maxOpenConnections);

    internal SmtpServerOptions Options { get; }

    internal SslStreamCertificateContext? TlsContext { get; }

    public static Task<SmtpTestServer> StartAsync(SmtpServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        Validate(options);

        if (options.SaveDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var listener = Listen(options.ListenAddress, options.Port);
        var server = new SmtpTestServer(options, listener);
        server._acceptLoop = server.AcceptLoopAsync();
        return Task.FromResult(server);
    }

    public async Task WaitForMessagesAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                if (_receivedCount >= count)
                {
                    return;
                }

                arrived = _messageArrived.Task;
            }

            var remaining = timeout == Timeout.InfiniteTimeSpan
                ? Timeout.InfiniteTimeSpan
                : timeout - Stopwatch.GetElapsedTime(started);
            if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
            {
                throw TimedOut(count, timeout, inner: null);
            }

            try
            {
                await arrived.WaitAsync(remaining, cancellationToken);
            }
            catch (TimeoutException ex)
            {
                throw TimedOut(count, timeout, ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        // After the accept loop has ended no session can be added, so the snapshot below is complete.
        await _acceptLoop;

        var sessions = _sessions.Values.ToArray();
        foreach (var session in sessions)
        {
            session.Abort();
        }

        await Task.WhenAll(sessions.Select(session => session.Completion));
        _stopping.Dispose();
    }

    internal void RecordCommand(string command)
    {
        if (!Options.RecordHistory)
        {
            return;
        }

        lock (_gate)
        {
            _commands.Add(command);
        }
    }

    internal async ValueTask RecordMessageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        if (Options.SaveDirectory is { } directory)
        {
            // Written under a temporary name first so a watcher globbing *.eml never sees half a file.
            var path = Path.Combine(directory, $"{sequence:D6}-{message.Id}.eml");
            var temporary = path + ".tmp";
            await File.WriteAllBytesAsync(temporary, message.Data, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }

        TaskCompletionSource arrived;
        lock (_gate)
        {
            if (Options.RecordHistory)
            {
                _messages.Add(message);
            }

            _receivedCount++;
            arrived = _messageArrived;
            _messageArrived = NewSignal();
        }

        arrived.TrySetResult();
        MessageReceived?.Invoke(this, message);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Validate(SmtpServerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 0, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxMessageSize, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Hostname, nameof(options));
        if ((options.Username is null) != (options.Password is null))
        {
            throw new ArgumentException("Username and Password must be set together.", nameof(options));
        }

        if (options.Certificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("The STARTTLS certificate must carry its private key.", nameof(options));
        }
    }

    private static Socket Listen(IPAddress address, int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            EnableAddressReuse(listener);
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(512);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Lets a new server bind the port while connections of a disposed one linger in TIME_WAIT.
    /// .NET's ReuseAddress also sets SO_REUSEPORT on Unix, which would let two live servers share
    /// the port and split the mail between them, so the plain BSD option is set directly.
    /// </summary>
    private static void EnableAddressReuse(Socket socket)
    {
        ReadOnlySpan<byte> enabled = BitConverter.GetBytes(1);
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(optionLevel: 1, optionName: 2, enabled);
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            socket.SetRawSocketOption(optionLevel: 0xffff, optionName: 4, enabled);
        }

        // Windows needs nothing: there SO_REUSEADDR would allow port hijacking, and TIME_WAIT does not block bind.
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                                           || (ex is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException)
            {
                // A peer that reset while queued, or a transient limit such as EMFILE: keep serving, but
                // pause so a persistent error cannot spin the loop.
                await Task.Delay(10);
                continue;
            }

            var connectionId = Interlocked.Increment(ref _connectionCount);
            var open = Interlocked.Increment(ref _openConnections);
            for (var max = Volatile.Read(ref _maxOpenConnections); open > max; max = Volatile.Read(ref _maxOpenConnections))
            {
                Interlocked.CompareExchange(ref _maxOpenConnections, open, max);
            }
            var session = new SmtpSession(this, socket, connectionId);
            _sessions[connectionId] = session;
            session.Completion = RunSessionAsync(session);
        }
    }

    private async Task RunSessionAsync(SmtpSession session)
    {
        try
        {
            await session.RunAsync(_stopping.Token);
        }
        catch (Exception ex) when (SmtpSession.IsDisconnect(ex))
        {
            // The peer or DisposeAsync ended the connection; that is a normal outcome here.
        }
        finally
        {
            _sessions.TryRemove(session.ConnectionId, out _);
            await session.DisposeAsync();
            Interlocked.Decrement(ref _openConnections);
        }
    }

    private TimeoutException TimedOut(int count, TimeSpan timeout, Exception? inner)
    {
        string[] recent;
        int received;
        lock (_gate)
        {
            received = _receivedCount;
            recent = [.. _commands.TakeLast(15)];
        }

        var message =
            $"Expected {count} message(s) on 127.0.0.1:{Port} within {timeout.TotalSeconds:0.###}s but received {received} " +
            $"over {ConnectionCount} connection(s). Last commands: " +
            (recent.Length == 0 ? "(none)" : string.Join(" | ", recent));
        return new TimeoutException(message, inner);
    }
}
