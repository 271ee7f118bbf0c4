namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Bounds on what one report may cost: reports come from anyone on the internet. The report
/// itself sits at the top of a message, so reading a prefix loses only the tail of a returned copy.
/// </summary>
public sealed record BounceParserLimits
{
    public static BounceParserLimits Default { get; } = new();

    /// <summary>Bytes of the message read; the rest is ignored.</summary>
    public int MaxBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>MIME nesting beyond this is left unparsed.</summary>
    public int MaxDepth { get; init; } = 8;

    /// <summary>MIME parts visited.</summary>
    public int MaxParts { get; init; } = 256;

    /// <summary>Characters of any one text part (notification, delivery-status, JSON) that are read.</summary>
    public int MaxTextChars { get; init; } = 256 * 1024;

    /// <summary>Recipients reported; a report naming more is cut short.</summary>
    public int MaxRecipients { get; init; } = 1000;
}
