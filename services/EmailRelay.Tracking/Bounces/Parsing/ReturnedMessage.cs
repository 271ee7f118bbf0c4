using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// What a report quotes of the message that bounced (a message/rfc822 or text/rfc822-headers part,
/// or the copy a text notification appends): enough to find our message when the VERP address
/// was lost on the way.
/// </summary>
public sealed record ReturnedMessage
{
    /// <summary>The original Message-ID, without angle brackets.</summary>
    public string? MessageId { get; init; }

    /// <summary>The original envelope sender (Return-Path), when the copy kept it.</summary>
    public string? EnvelopeSender { get; init; }

    public string? From { get; init; }

    public IReadOnlyList<string> To { get; init; } = [];

    internal static ReturnedMessage? FromHeaders(HeaderList? headers) => headers is null ? null : new ReturnedMessage
    {
        MessageId = headers[HeaderId.MessageId]?.Trim().Trim('<', '>'),
        EnvelopeSender = AddressText.Find(headers[HeaderId.ReturnPath]),
        From = AddressText.Find(headers[HeaderId.From]),
        To = AddressText.FindAll(headers[HeaderId.To], limit: 100),
    };
}
