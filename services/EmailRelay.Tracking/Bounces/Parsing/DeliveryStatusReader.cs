using EmailRelay.Classification;
using MimeKit.Utils;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Reads delivery-status fields (RFC 3464 §2.2-2.3) into per-recipient drafts. Tolerates what
/// real MTAs send: per-message and per-recipient fields in one group, several recipients without
/// blank lines between them, an Original-Recipient with no Final-Recipient, fields in any case.
/// </summary>
internal static class DeliveryStatusReader
{
    public sealed record Result(string? ReportingMta, string? OriginalEnvelopeId, List<RecipientDraft> Recipients);

    public static Result Read(string fields, int maxRecipients)
    {
        string? reportingMta = null, envelopeId = null;
        List<RecipientDraft> recipients = [];
        foreach (var group in ReportFields.ReadGroups(fields))
        {
            RecipientDraft? current = null;
            foreach (var field in group)
            {
                if (field.Is("Reporting-MTA"))
                {
                    reportingMta ??= NonEmpty(ReportFields.WithoutType(field.Value));
                    continue;
                }

                if (field.Is("Original-Envelope-Id"))
                {
                    envelopeId ??= NonEmpty(field.Value);
                    continue;
                }

                var isAddress = field.Is("Final-Recipient") || field.Is("Original-Recipient");
                if (isAddress && (current is null || Has(current, field)))
                {
                    // A second recipient run on without a blank line.
                    if (recipients.Count >= maxRecipients)
                    {
                        return new Result(reportingMta, envelopeId, recipients);
                    }

                    current = new RecipientDraft();
                    recipients.Add(current);
                }

                if (current is null)
                {
                    // A per-recipient field before any recipient: keep it for the recipient that follows.
                    current = new RecipientDraft();
                    recipients.Add(current);
                }

                Apply(current, field);
            }
        }

        recipients.RemoveAll(r => r.Address is null && r.OriginalRecipient is null);
        foreach (var recipient in recipients)
        {
            recipient.Address ??= recipient.OriginalRecipient;
        }

        return new Result(reportingMta, envelopeId, recipients);
    }

    private static bool Has(RecipientDraft draft, ReportField field) =>
        field.Is("Final-Recipient") ? draft.Address is not null : draft.OriginalRecipient is not null;

    private static void Apply(RecipientDraft draft, ReportField field)
    {
        switch (field.Name.ToUpperInvariant())
        {
            case "FINAL-RECIPIENT":
                draft.Address = AddressText.FromField(field.Value);
                break;
            case "ORIGINAL-RECIPIENT":
                draft.OriginalRecipient = AddressText.FromField(field.Value);
                break;
            case "X-ACTUAL-RECIPIENT" when draft.Address is null:
                draft.Address = AddressText.FromField(field.Value);
                break;
            case "ACTION":
                draft.Action = DsnActionNames.TryParse(field.Value, out var action) ? action : draft.Action;
                break;
            case "STATUS":
                draft.Status = NonEmpty(field.Value);
                break;
            case "DIAGNOSTIC-CODE":
                draft.Diagnostic = NonEmpty(ReportFields.WithoutType(field.Value));
                draft.DiagnosticType = ReportFields.TypeOf(field.Value);
                break;
            case "REMOTE-MTA":
                draft.RemoteMta = NonEmpty(ReportFields.WithoutType(field.Value));
                break;
            case "LAST-ATTEMPT-DATE":
                draft.LastAttemptDate = DateUtils.TryParse(field.Value, out var last) ? last : null;
                break;
            case "WILL-RETRY-UNTIL":
                draft.WillRetryUntil = DateUtils.TryParse(field.Value, out var until) ? until : null;
                break;
        }
    }

    private static string? NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
