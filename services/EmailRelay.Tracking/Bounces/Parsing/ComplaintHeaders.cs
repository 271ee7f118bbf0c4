namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Complaints that arrive without a message/feedback-report part, told by a provider's header:
/// Microsoft's JMRP reports (the reported message carries X-HmXmrOriginalRecipient) and
/// mailed unsubscribe requests from Apple Mail (X-Apple-Unsubscribe).
/// </summary>
internal static class ComplaintHeaders
{
    public static FeedbackReport? Read(ReportParts parts)
    {
        if (parts.ReturnedHeaders?["X-HmXmrOriginalRecipient"] is { } reported && AddressText.Find(reported) is { } recipient)
        {
            return new FeedbackReport
            {
                FeedbackType = "abuse",
                OriginalRcptTo = [recipient],
                OriginalMailFrom = AddressText.Find(parts.ReturnedHeaders["Return-Path"]),
            };
        }

        if (string.Equals(parts.Message.Headers["X-Apple-Unsubscribe"]?.Trim(), "true", StringComparison.OrdinalIgnoreCase)
            && parts.Message.From.Mailboxes.FirstOrDefault() is { } unsubscriber)
        {
            return new FeedbackReport { FeedbackType = "unsubscribe", OriginalRcptTo = [unsubscriber.Address] };
        }

        return null;
    }
}
