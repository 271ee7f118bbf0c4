namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>One "Name: value" field of a delivery-status or feedback report, unfolded.</summary>
internal readonly record struct ReportField(string Name, string Value)
{
    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);
}
