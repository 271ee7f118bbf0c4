using System.Security.Cryptography;
using System.Text;

namespace EmailRelay.DevSmtp;

/// <summary>
/// A message as the server received it. <see cref="Data"/> is the raw content after dot-unstuffing,
/// ending with the line break that preceded the terminating dot.
/// </summary>
public sealed record ReceivedMessage(
    string MailFrom,
    IReadOnlyList<string> Recipients,
    byte[] Data,
    bool Tls,
    bool Authenticated,
    int ConnectionId,
    DateTimeOffset ReceivedAt)
{
    /// <summary>Queue id used in the default 250 reply and in the saved file name.</summary>
    public string Id { get; init; } = RandomNumberGenerator.GetHexString(12);

    public string Text => Encoding.UTF8.GetString(Data);
}
