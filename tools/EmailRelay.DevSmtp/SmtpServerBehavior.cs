namespace EmailRelay.DevSmtp;

/// <summary>
/// The scripted answers of a running server. Tests change these between or during transactions,
/// so every field is volatile and read at the moment it is needed.
/// </summary>
public sealed class SmtpServerBehavior
{
    private static readonly Func<string, SmtpReply> AcceptRecipient = _ => new SmtpReply(250, "2.1.5", "Ok");
    private static readonly Func<ReceivedMessage, SmtpReply> QueueMessage =
        message => SmtpReply.Ok($"Ok: queued as {message.Id}");

    private volatile Func<string, SmtpReply> _onRcpt = AcceptRecipient;
    private volatile Func<ReceivedMessage, SmtpReply> _onData = QueueMessage;
    private volatile DataBehavior _data = DataBehavior.Reply;
    private volatile SmtpReply? _greeting;
    private volatile bool _offerSmtpUtf8 = true;
    private volatile bool _breakTlsHandshake;
    private long _dataReplyDelayTicks;
    private long _greetingDelayTicks;

    /// <summary>Reply to RCPT TO, given the address as written inside the angle brackets.</summary>
    public Func<string, SmtpReply> OnRcpt
    {
        get => _onRcpt;
        set => _onRcpt = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Final reply after the dot when <see cref="Data"/> is <see cref="DataBehavior.Reply"/>.</summary>
    public Func<ReceivedMessage, SmtpReply> OnData
    {
        get => _onData;
        set => _onData = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Read when the DATA command arrives and kept for that one transfer.</summary>
    public DataBehavior Data
    {
        get => _data;
        set => _data = value;
    }

    /// <summary>
    /// Null sends the normal 220 banner. A 421 greeting closes at once; any other 4xx/5xx greeting
    /// answers 503 to everything until QUIT, as RFC 5321 section 3.1 asks.
    /// </summary>
    public SmtpReply? Greeting
    {
        get => _greeting;
        set => _greeting = value;
    }

    /// <summary>
    /// Whether EHLO announces SMTPUTF8 (RFC 6531). Off, the server is a legacy one: a client must
    /// not send it UTF-8 addresses. It still records whatever arrives, so a test can prove none did.
    /// Read at each EHLO.
    /// </summary>
    public bool OfferSmtpUtf8
    {
        get => _offerSmtpUtf8;
        set => _offerSmtpUtf8 = value;
    }

    /// <summary>
    /// Wait before the final reply to DATA, like a slow remote, so a test can catch a sender with
    /// transactions in flight.
    /// </summary>
    public TimeSpan DataReplyDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _dataReplyDelayTicks));
        set => Interlocked.Exchange(ref _dataReplyDelayTicks, value.Ticks);
    }

    /// <summary>
    /// Wait before the banner, read when a connection is accepted. <see cref="Timeout.InfiniteTimeSpan"/>
    /// makes a stalled server: it accepts TCP and never says a word.
    /// </summary>
    public TimeSpan GreetingDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _greetingDelayTicks));
        set => Interlocked.Exchange(ref _greetingDelayTicks, value.Ticks);
    }

    /// <summary>
    /// A server with a broken TLS stack: STARTTLS is offered and answered 220, then the handshake
    /// gets bytes that are not TLS and the connection is closed. Read at each STARTTLS.
    /// </summary>
    public bool BreakTlsHandshake
    {
        get => _breakTlsHandshake;
        set => _breakTlsHandshake = value;
    }
}
