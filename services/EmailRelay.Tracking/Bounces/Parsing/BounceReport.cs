namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>Everything <see cref="BounceParser"/> read from one incoming report.</summary>
public sealed record BounceReport
{
    public static BounceReport Unrecognised { get; } = new() { Format = BounceFormat.Unknown };

    public required BounceFormat Format { get; init; }

    /// <summary>One entry per recipient the report is about, in report order; empty when none was found.</summary>
    public IReadOnlyList<BounceRecipient> Recipients { get; init; } = [];

    /// <summary>The MTA that wrote the report (Reporting-MTA without its type).</summary>
    public string? ReportingMta { get; init; }

    /// <summary>The ENVID we gave in MAIL FROM, echoed as Original-Envelope-Id.</summary>
    public string? OriginalEnvelopeId { get; init; }

    public ReturnedMessage? ReturnedMessage { get; init; }

    /// <summary>Set for complaints (<see cref="BounceFormat.Arf"/> and providers' equivalents).</summary>
    public FeedbackReport? Feedback { get; init; }

    /// <summary>The input went over a limit (<see cref="BounceParserLimits"/>) and was read only in part.</summary>
    public bool Truncated { get; init; }
}
