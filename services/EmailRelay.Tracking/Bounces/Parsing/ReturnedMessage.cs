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
}
