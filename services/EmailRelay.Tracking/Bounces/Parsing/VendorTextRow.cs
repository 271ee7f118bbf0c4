using System.Text.RegularExpressions;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>One row of vendor-text-formats.tsv: a compiled pattern, or for a meaning row its words.</summary>
internal sealed record VendorTextRow(string Family, VendorTextRowKind Kind, Regex? Regex, string? Words, int LineNumber)
{
    /// <summary>The family whose rows serve every notification.</summary>
    public const string AnyFamily = "*";

    public Regex Pattern => Regex ?? throw new InvalidOperationException($"vendor-text-formats line {LineNumber} is a meaning row, not a pattern");
}
