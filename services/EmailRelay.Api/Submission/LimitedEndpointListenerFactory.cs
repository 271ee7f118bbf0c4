using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace EmailRelay.Api.Submission;

/// <summary>
/// The library's TCP listener with <see cref="ConnectionLimiter"/> in front: a connection over a
/// limit is told <c>421 4.7.0</c> and closed before it gets a session; an admitted one frees its
/// place when its session ends and the library disposes its pipe. While draining, an admitted
/// session's input is a <see cref="SessionInput"/>.
/// </summary>
public sealed class LimitedEndpointListenerFactory(ConnectionLimiter limiter, Action<string> onRefused) : IEndpointListenerFactory
{
    private static readonly byte[] Refusal = ReplyLine(SubmissionReplies.TooManyConnections);
    private static readonly byte[] Closing = ReplyLine(SubmissionReplies.ShuttingDown);
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(10);

    private readonly EndpointListenerFactory _tcp = new();
    private readonly CancellationTokenSource _draining = new();
    private readonly List<IEndpointListener> _listeners = [];

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = _tcp.CreateListener(endpointDefinition);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
        return new Listener(listener, endpointDefinition, limiter, onRefused, _draining.Token);
    }

    /// <summary>
    /// Closes the listening sockets, so new connections are refused; sessions in a transaction go
    /// on to its end, the others are told 421 and end (<see cref="SessionInput"/>). The library's
    /// own Shutdown cancels the open sessions too, which would cut a client off in the middle of
    /// DATA; it is called only once they have ended.
    /// </summary>
    public void StopAccepting()
    {
        _draining.Cancel();
        lock (_listeners)
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
        }
    }

    private sealed class Listener(IEndpointListener inner, IEndpointDefinition endpoint, ConnectionLimiter limiter, Action<string> onRefused,
        CancellationToken draining) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            ISecurableDuplexPipe pipe;
            try
            {
                pipe = await inner.GetPipeAsync(context, cancellationToken);
            }
            catch (Exception) when (draining.IsCancellationRequested)
            {
                // The socket was closed to drain: accept nothing more, until the library stops asking.
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw;
            }
            var address = SubmissionSession.RemoteAddress(context);
            if (limiter.TryEnter(address))
            {
                return new CountedPipe(pipe, context, draining, () => limiter.Exit(address));
            }
            onRefused(address);
            // Told in the background: a refused client that never completes its TLS handshake must
            // not hold up the accept loop of its port.
            _ = RefuseAsync(pipe, context);
            // No session: the library goes on to accept the next connection, with a fresh context.
            return null!;
        }

        private async Task RefuseAsync(ISecurableDuplexPipe pipe, ISessionContext context)
        {
            using var timeout = new CancellationTokenSource(RefusalTimeout);
            try
            {
                if (endpoint.IsSecure)
                {
                    // Implicit TLS: the client speaks TLS first, so the refusal must go through it.
                    await pipe.UpgradeAsync(endpoint.CertificateFactory.GetServerCertificate(context), endpoint.SupportedSslProtocols, timeout.Token);
                }
                await pipe.Output.WriteAsync(Refusal, timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException)
            {
                // The client has gone already, or is too slow to be told: it is closed all the same.
            }
            finally
            {
                pipe.Dispose();
            }
        }

        public void Dispose() => inner.Dispose();
    }

    private static byte[] ReplyLine(SmtpServer.Protocol.SmtpResponse reply) =>
        Encoding.ASCII.GetBytes($"{(int)reply.ReplyCode} {reply.Message}\r\n");

    private sealed class CountedPipe : ISecurableDuplexPipe
    {
        private readonly ISecurableDuplexPipe _inner;
        private readonly Action _release;
        private readonly EnhancedCodeWriter _output;
        private readonly SessionInput _input;
        private int _disposed;

        public CountedPipe(ISecurableDuplexPipe inner, ISessionContext context, CancellationToken draining, Action release)
        {
            _inner = inner;
            _release = release;
            // Through the current reader and writer of the inner pipe: STARTTLS replaces them with ones over TLS.
            _output = new EnhancedCodeWriter(() => inner.Output);
            _input = new SessionInput(context, () => inner.Input, draining, SayClosingAsync);
        }

        public PipeReader Input => _input;
        public PipeWriter Output => _output;
        public bool IsSecure => _inner.IsSecure;
        public SslProtocols SslProtocol => _inner.SslProtocol;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            _inner.UpgradeAsync(certificate, protocols, cancellationToken);

        private async ValueTask SayClosingAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _output.WriteAsync(Closing, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The client has gone already: nothing to tell it.
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _inner.Dispose();
                _release();
            }
        }
    }
}
