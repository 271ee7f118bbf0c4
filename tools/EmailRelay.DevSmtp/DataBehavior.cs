namespace EmailRelay.DevSmtp;

/// <summary>How the server ends a DATA transfer.</summary>
public enum DataBehavior
{
    /// <summary>Answer with <see cref="SmtpServerBehavior.OnData"/>.</summary>
    Reply,

    /// <summary>Record the message, then never answer; the socket stays open.</summary>
    StallAfterDot,

    /// <summary>Record the message, then close the socket without answering.</summary>
    DropAfterDot,

    /// <summary>Close the socket once message bytes start arriving; nothing is recorded.</summary>
    DropBeforeDot,
}
