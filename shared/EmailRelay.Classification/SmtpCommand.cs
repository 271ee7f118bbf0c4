namespace EmailRelay.Classification;

/// <summary>The point of the SMTP conversation at which a server refused, when a report says so.</summary>
public enum SmtpCommand
{
    /// <summary>The greeting or HELO/EHLO: the refusal is about the connecting client.</summary>
    Connect,

    /// <summary>MAIL FROM: the refusal is about the sender.</summary>
    MailFrom,

    /// <summary>RCPT TO: the refusal is about the recipient address.</summary>
    RcptTo,

    /// <summary>DATA or its final dot: the refusal is about the message, every address having been accepted.</summary>
    Data,
}
