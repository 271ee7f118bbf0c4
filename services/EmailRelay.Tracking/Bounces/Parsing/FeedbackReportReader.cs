using MimeKit.Utils;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>Reads message/feedback-report fields (RFC 5965 §3.1, and the older Removal-Recipient).</summary>
internal static class FeedbackReportReader
{
    public static FeedbackReport Read(string fields, int maxRecipients)
    {
        string? type = null, userAgent = null, mailFrom = null, sourceIp = null;
        DateTimeOffset? arrival = null;
        List<string> rcptTo = [];
        foreach (var field in ReportFields.ReadGroups(fields).SelectMany(group => group))
        {
            switch (field.Name.ToUpperInvariant())
            {
                case "FEEDBACK-TYPE":
                    type ??= FirstWord(field.Value);
                    break;
                case "USER-AGENT":
                    userAgent ??= field.Value;
                    break;
                case "ORIGINAL-MAIL-FROM":
                    mailFrom ??= AddressText.FromField(field.Value);
                    break;
                case "ORIGINAL-RCPT-TO" or "REMOVAL-RECIPIENT":
                    if (AddressText.FromField(field.Value) is { } rcpt && rcptTo.Count < maxRecipients
                        && !rcptTo.Contains(rcpt, StringComparer.OrdinalIgnoreCase))
                    {
                        rcptTo.Add(rcpt);
                    }

                    break;
                case "SOURCE-IP":
                    sourceIp ??= FirstWord(field.Value);
                    break;
                case "ARRIVAL-DATE" or "RECEIVED-DATE":
                    arrival ??= DateUtils.TryParse(field.Value, out var date) ? date : null;
                    break;
            }
        }

        return new FeedbackReport
        {
            FeedbackType = type,
            UserAgent = userAgent,
            OriginalMailFrom = mailFrom,
            OriginalRcptTo = rcptTo,
            SourceIp = sourceIp,
            ArrivalDate = arrival,
        };
    }

    private static string? FirstWord(string value)
    {
        var word = value.Trim().Split([' ', '\t', ';'], 2)[0].ToLowerInvariant();
        return word.Length == 0 ? null : word;
    }
}
