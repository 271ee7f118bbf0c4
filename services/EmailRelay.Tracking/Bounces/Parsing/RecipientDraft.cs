using EmailRelay.Classification;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>What a reader found about one recipient, before classification turns it into a <see cref="BounceRecipient"/>.</summary>
internal sealed class RecipientDraft
{
    public string? Address { get; set; }

    public string? OriginalRecipient { get; set; }

    public DsnAction? Action { get; set; }

    /// <summary>The Status field as sent (it may carry a comment), or a code a provider gave separately.</summary>
    public string? Status { get; set; }

    public string? Diagnostic { get; set; }

    /// <summary>The Diagnostic-Code type ("smtp", "x-unix", "x-postfix" …), lower case, when the report gave one.</summary>
    public string? DiagnosticType { get; set; }

    /// <summary>Other words about this recipient (the human-readable part beside a DSN): read for the refused command only.</summary>
    public string? Context { get; set; }

    public string? RemoteMta { get; set; }

    public DateTimeOffset? LastAttemptDate { get; set; }

    public DateTimeOffset? WillRetryUntil { get; set; }
}
