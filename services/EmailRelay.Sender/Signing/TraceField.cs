using System.Text;
using MimeKit.Utils;

namespace EmailRelay.Sender.Signing;

/// <summary>
/// The Received trace field of this hop (RFC 5321 §4.4, RFC 5322 §3.6.7), as Postfix and KumoMTA
/// add one for every message they take in, HTTP injection included: "by" this host, "with HTTP"
/// (how it reached us), "id" the message's id (what to search the logs and the API for), and the
/// time it was accepted. No "from" clause: the client's address is not kept with the message.
/// </summary>
/// <remarks>
/// Added to every message, signed or not, above the stored bytes and never signed itself (trace
/// fields are added by every hop; RFC 6376 §5.4.1 advises against signing them). Its time is the
/// accept time, the same on every retry: the trace records when we received the message.
/// </remarks>
public sealed class TraceField(string hostName)
{
    /// <summary>The name in "by": the host's name, which is also the default HELO name (as Postfix's $myhostname).</summary>
    public string HostName { get; } = hostName;

    /// <summary>The field's bytes, folded before the date, ending in CRLF.</summary>
    public byte[] Received(Guid messageId, DateTimeOffset acceptedAt) =>
        Encoding.ASCII.GetBytes($"Received: by {HostName} (EmailRelay) with HTTP id {messageId:N};\r\n\t{DateUtils.FormatDate(acceptedAt)}\r\n");
}
