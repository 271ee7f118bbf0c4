using System.Text.RegularExpressions;

namespace EmailRelay.Classification;

/// <summary>One row of the rules table, already parsed and compiled.</summary>
internal sealed class Rule
{
    public required RuleKind Kind { get; init; }

    /// <summary>Where the row came from, so a surprising classification can be traced to its row.</summary>
    public required int LineNumber { get; init; }

    public required BounceReason Reason { get; init; }

    /// <summary>Forces the outcome regardless of the reply class (e.g. greylisting sent as a 5yz).</summary>
    public DeliveryOutcome? OutcomeOverride { get; init; }

    public EnhancedCodePattern Code { get; init; }

    public Regex? Text { get; init; }

    public int ReplyCode { get; init; }
}
