namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>What a row of vendor-text-formats.tsv recognises (the file's header explains each).</summary>
internal enum VendorTextRowKind
{
    Marker,
    Start,
    End,
    Delayed,
    Recipient,
    Verdict,
    Meaning,
}
