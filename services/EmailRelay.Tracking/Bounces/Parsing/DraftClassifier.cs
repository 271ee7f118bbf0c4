using System.Text;
using EmailRelay.Classification;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Turns what a reader found about a recipient into a classified <see cref="BounceRecipient"/>:
/// picks the codes, finds the refused SMTP command, and asks the shared classifier for the rest.
/// </summary>
internal sealed class DraftClassifier(ReplyClassifier classifier)
{
    private const int MaxDiagnosticChars = 1000;

    /// <summary>
    /// Classifies a draft. When a vendor notice's lines about the recipient say nothing readable,
    /// the notice's own statements ("delivery was aborted after 5 hours") or its family's known
    /// meaning are read as well.
    /// </summary>
    public BounceRecipient Classify(RecipientDraft draft, VendorTextReader.Result? vendor)
    {
        var recipient = Classify(draft);
        if (vendor is null || recipient.Reason is not BounceReason.OnHold)
        {
            return recipient;
        }

        foreach (var words in new[] { vendor.Summary, vendor.Meaning })
        {
            if (string.IsNullOrWhiteSpace(words))
            {
                continue;
            }

            var retry = Classify(new RecipientDraft
            {
                Address = draft.Address,
                Action = draft.Action,
                Status = draft.Status,
                DiagnosticType = draft.DiagnosticType,
                Diagnostic = draft.Diagnostic is null ? words : draft.Diagnostic + "\n" + words,
            });
            if (retry.Reason is not BounceReason.OnHold)
            {
                return retry with { Diagnostic = recipient.Diagnostic };
            }
        }

        return recipient;
    }

    /// <summary>
    /// The remote server's own enhanced code, quoted in the diagnostic, wins over the Status field
    /// the reporting MTA wrote (often a bare X.0.0 or its own translation) unless the two disagree
    /// on the class. Without any code, one is derived from the reason and marked so.
    /// </summary>
    private BounceRecipient Classify(RecipientDraft draft)
    {
        var codes = DiagnosticCodes.Read(draft.Diagnostic);
        var fieldStatus = draft.Status is null ? null : ReplyClassifier.ExtractEnhancedCode(draft.Status);
        var status = codes.EnhancedCode is { } remote && (fieldStatus is null || remote[0] == fieldStatus[0])
            ? remote
            : fieldStatus;

        var command = SmtpCommandText.Last(draft.Context is null ? draft.Diagnostic : draft.Diagnostic + "\n" + draft.Context);
        var words = codes.RemoteReply(draft.Diagnostic);
        var result = classifier.ClassifyDsn(status, codes.ReplyCode, words, draft.Action, command, draft.DiagnosticType);
        if (fieldStatus is null && codes.EnhancedCodeIsLoose)
        {
            // A code appended to any failure says less than the words beside it: they go first.
            var byWords = classifier.ClassifyDsn(null, codes.ReplyCode, words, draft.Action, command, draft.DiagnosticType);
            if (byWords.Reason is not (BounceReason.OnHold or BounceReason.Undefined))
            {
                result = byWords;
            }
        }

        var derived = status is null;
        if (derived)
        {
            var statusClass = result.Outcome switch
            {
                DeliveryOutcome.Delivered => 2,
                _ when codes.ReplyCode is >= 400 and < 600 => codes.ReplyCode.Value / 100,
                DeliveryOutcome.Deferred => 4,
                _ => 5,
            };
            status = ReplyClassifier.DeriveStatus(result.Reason, statusClass);
        }

        return new BounceRecipient
        {
            Address = draft.Address,
            OriginalRecipient = draft.OriginalRecipient,
            Action = draft.Action,
            Status = status,
            StatusDerived = derived,
            ReplyCode = codes.ReplyCode,
            Diagnostic = Collapse(draft.Diagnostic),
            RemoteMta = draft.RemoteMta,
            LastAttemptDate = draft.LastAttemptDate,
            WillRetryUntil = draft.WillRetryUntil,
            Outcome = result.Outcome,
            Reason = result.Reason,
            Hard = result.Outcome == DeliveryOutcome.Delivered ? null : result.Hard,
        };
    }

    /// <summary>One line, blanks collapsed, bounded: what is stored and shown.</summary>
    private static string? Collapse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaxDiagnosticChars));
        var blank = false;
        foreach (var c in text)
        {
            if (builder.Length >= MaxDiagnosticChars)
            {
                break;
            }

            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                blank = builder.Length > 0;
                continue;
            }

            if (blank)
            {
                builder.Append(' ');
                blank = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
