namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>The names printed by the CLI and stored with parsed reports; never derived from the C# names.</summary>
public static class BounceFormatNames
{
    public static string ToWireName(this BounceFormat format) => format switch
    {
        BounceFormat.Unknown => "unknown",
        BounceFormat.Rfc3464 => "rfc3464",
        BounceFormat.Rfc3464Partial => "rfc3464-partial",
        BounceFormat.Arf => "arf",
        BounceFormat.AutoReply => "rfc3834-autoreply",
        BounceFormat.VendorText => "vendor-text",
        BounceFormat.VendorJson => "vendor-json",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a defined bounce format."),
    };
}
