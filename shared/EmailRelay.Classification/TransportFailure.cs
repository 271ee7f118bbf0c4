namespace EmailRelay.Classification;

/// <summary>
/// Failures where no SMTP reply decided the outcome. The sender maps its exceptions onto these;
/// <see cref="ReplyClassifier.ClassifyTransportFailure"/> says what each one means.
/// </summary>
public enum TransportFailure
{
    ConnectionRefused,
    ConnectionReset,

    /// <summary>A timeout anywhere except waiting for the reply to the final dot.</summary>
    Timeout,

    /// <summary>
    /// Timed out after the final "." and before the reply: the remote may already have the
    /// message (RFC 5321 §4.5.3.2.6), so a retry can duplicate it.
    /// </summary>
    TimeoutAfterData,

    /// <summary>A lookup that may succeed later (SERVFAIL, resolver timeout).</summary>
    DnsFailure,

    /// <summary>The recipient domain does not exist (NXDOMAIN) or publishes a null MX (RFC 7505).</summary>
    HostNotFound,

    /// <summary>TLS negotiation failed where TLS was optional.</summary>
    TlsFailure,

    /// <summary>The route requires TLS and the remote does not offer it (or negotiation failed).</summary>
    TlsRequiredButUnavailable,

    /// <summary>The remote broke the protocol (garbled or unexpected replies).</summary>
    ProtocolError,
}
