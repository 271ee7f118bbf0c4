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
/// place when its session ends and the library disposes its pipe.
/// </summary>
public sealed class LimitedEndpointListenerFactory(ConnectionLimiter limiter, Action<string> onRefused) : IEndpointListenerFactory
{
    private static readonly byte[] Refusal = Encoding.ASCII.GetBytes(
        $"{(int)SubmissionReplies.TooManyConnections.ReplyCode} {SubmissionReplies.TooManyConnections.Message}\r\n");

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
    /// Closes the listening sockets, so new connections are refused, while open sessions go on.
    /// The library's own Shutdown cancels the open sessions too, which would cut a client off in
    /// the middle of DATA; it is called only once they have ended.
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
            while (true)
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
                    return new CountedPipe(pipe, () => limiter.Exit(address));
                }
                onRefused(address);
                try
                {
                    if (endpoint.IsSecure)
                    {
                        // Implicit TLS: the client speaks TLS first, so the refusal must go through it.
                        await pipe.UpgradeAsync(endpoint.CertificateFactory.GetServerCertificate(context), endpoint.SupportedSslProtocols,
                            cancellationToken);
                    }
                    await pipe.Output.WriteAsync(Refusal, cancellationToken);
                    await pipe.Output.FlushAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or AuthenticationException)
                {
                    // The client has gone already: nothing to tell it.
                }
                finally
                {
                    pipe.Dispose();
                }
            }
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class CountedPipe(ISecurableDuplexPipe inner, Action release) : ISecurableDuplexPipe
    {
        private int _disposed;
        // Through the current writer of the inner pipe: STARTTLS replaces it with one over TLS.
        private readonly EnhancedCodeWriter _output = new(() => inner.Output);

        public PipeReader Input => inner.Input;
        public PipeWriter Output => _output;
        public bool IsSecure => inner.IsSecure;
        public SslProtocols SslProtocol => inner.SslProtocol;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            inner.UpgradeAsync(certificate, protocols, cancellationToken);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inner.Dispose();
                release();
            }
        }
    }
}
