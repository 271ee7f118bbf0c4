using System.Text.RegularExpressions;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>One row of vendor-text-formats.tsv, compiled.</summary>
internal sealed record VendorTextRow(string Family, VendorTextRowKind Kind, Regex Pattern, int LineNumber)
{
    /// <summary>The family whose rows serve every notification.</summary>
    public const string AnyFamily = "*";
}
