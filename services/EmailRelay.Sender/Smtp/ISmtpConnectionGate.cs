namespace EmailRelay.Sender.Smtp;

/// <summary>
/// Asked before a pool opens a new connection: a permit to hold for the connection's life, or null
/// when none is free now. Kept abstract so the SMTP client knows nothing of why a connection may
/// not be opened (the cluster-wide per-host limits of <c>Limits/</c>).
/// </summary>
public interface ISmtpConnectionGate
{
    Task<IAsyncDisposable?> TryEnterAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken);
}

/// <summary>No limit beyond the pool's own size.</summary>
public sealed class OpenSmtpConnectionGate : ISmtpConnectionGate
{
    public static readonly OpenSmtpConnectionGate Instance = new();

    private static readonly Task<IAsyncDisposable?> Permit = Task.FromResult<IAsyncDisposable?>(new NoPermit());

    public Task<IAsyncDisposable?> TryEnterAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken) => Permit;

    private sealed class NoPermit : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
