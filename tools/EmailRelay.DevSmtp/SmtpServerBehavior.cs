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
}
