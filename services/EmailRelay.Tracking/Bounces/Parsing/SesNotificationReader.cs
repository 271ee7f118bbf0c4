using System.Globalization;
using System.Text;
using System.Text.Json;
using EmailRelay.Classification;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Reads Amazon SES notifications (bounce, complaint, delivery), sent as JSON in a mail body,
/// bare or wrapped in an SNS envelope, with or without SNS's footer after the JSON.
/// </summary>
internal static class SesNotificationReader
{
    private const int MaxDepth = 32;

    public sealed record Result(List<RecipientDraft> Recipients, FeedbackReport? Feedback, ReturnedMessage? Returned);

    /// <summary>Null when the text is not an SES notification.</summary>
    public static Result? Read(string text, int maxRecipients)
    {
        var start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0 || !text.AsSpan(0, start).IsWhiteSpace())
        {
            return null;
        }

        var json = text[start..];
        return TryRead(json, maxRecipients)
            ?? (json.Contains('\n', StringComparison.Ordinal) ? TryRead(Unfolded(json), maxRecipients) : null);
    }

    private static Result? TryRead(string json, int maxRecipients)
    {
        try
        {
            using var document = ParseFirstValue(json);
            var root = Unwrap(document.RootElement, out var inner);
            using (inner)
            {
                return ReadNotification(root, maxRecipients);
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The JSON as SNS wrote it, before a mail system folded its overlong line (RFC 5322 limits
    /// lines to 998 characters) by inserting a line break and a blank.
    /// </summary>
    private static string Unfolded(string json) =>
        json.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n ", "", StringComparison.Ordinal).Replace("\n\t", "", StringComparison.Ordinal);

    private static Result? ReadNotification(JsonElement root, int maxRecipients)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var type = String(root, "notificationType") ?? String(root, "eventType");
        var returned = ReadMail(root);
        switch (type)
        {
            case "Bounce" when root.TryGetProperty("bounce", out var bounce):
            {
                // SES reports a bounce once it has stopped trying, Transient ones included.
                var drafts = Items(bounce, "bouncedRecipients", maxRecipients).Select(r => new RecipientDraft
                {
                    Address = AddressText.FromField(String(r, "emailAddress")),
                    Action = DsnActionNames.TryParse(String(r, "action"), out var action) ? action : DsnAction.Failed,
                    Status = String(r, "status"),
                    Diagnostic = String(r, "diagnosticCode") is { } code ? ReportFields.WithoutType(code) : null,
                    RemoteMta = String(bounce, "remoteMtaIp"),
                }).ToList();
                return new Result(drafts, null, returned);
            }

            case "Complaint" when root.TryGetProperty("complaint", out var complaint):
            {
                var addresses = Items(complaint, "complainedRecipients", maxRecipients)
                    .Select(r => AddressText.FromField(String(r, "emailAddress")))
                    .OfType<string>()
                    .ToList();
                var feedback = new FeedbackReport
                {
                    FeedbackType = String(complaint, "complaintFeedbackType")?.ToLowerInvariant() ?? "abuse",
                    UserAgent = String(complaint, "userAgent"),
                    OriginalMailFrom = returned?.EnvelopeSender,
                    OriginalRcptTo = addresses,
                    ArrivalDate = DateTimeOffset.TryParse(String(complaint, "arrivalDate"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var arrival)
                        ? arrival
                        : null,
                };
                return new Result([.. addresses.Select(a => new RecipientDraft { Address = a })], feedback, returned);
            }

            case "Delivery" when root.TryGetProperty("delivery", out var delivery):
            {
                var response = String(delivery, "smtpResponse");
                var drafts = Items(delivery, "recipients", maxRecipients)
                    .Select(r => new RecipientDraft
                    {
                        Address = AddressText.FromField(r.ValueKind == JsonValueKind.String ? r.GetString() : null),
                        Action = DsnAction.Delivered,
                        Diagnostic = response,
                        RemoteMta = String(delivery, "reportingMTA"),
                    })
                    .ToList();
                return new Result(drafts, null, returned);
            }

            default:
                return null;
        }
    }

    private static ReturnedMessage? ReadMail(JsonElement root)
    {
        if (!root.TryGetProperty("mail", out var mail) || mail.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? messageId = null;
        List<string> to = [];
        string? from = null;
        if (mail.TryGetProperty("commonHeaders", out var common) && common.ValueKind == JsonValueKind.Object)
        {
            messageId = String(common, "messageId")?.Trim('<', '>', ' ');
            from = Items(common, "from", 1).Select(f => AddressText.Find(f.GetString())).FirstOrDefault();
            to = [.. Items(common, "to", 100).Select(t => AddressText.Find(t.GetString())).OfType<string>()];
        }

        return new ReturnedMessage
        {
            MessageId = messageId,
            EnvelopeSender = AddressText.Find(String(mail, "source")),
            From = from,
            To = to,
        };
    }

    /// <summary>SNS wraps the notification as a JSON string in "Message"; returns the notification itself.</summary>
    private static JsonElement Unwrap(JsonElement root, out JsonDocument? inner)
    {
        inner = null;
        if (root.ValueKind == JsonValueKind.Object && String(root, "Type") == "Notification" && String(root, "Message") is { } message)
        {
            inner = ParseFirstValue(message);
            return inner.RootElement;
        }

        return root;
    }

    /// <summary>Parses the first JSON value and ignores what follows it (SNS appends an unsubscribe footer).</summary>
    private static JsonDocument ParseFirstValue(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = MaxDepth });
        return JsonDocument.ParseValue(ref reader);
    }

    private static IEnumerable<JsonElement> Items(JsonElement parent, string name, int max) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Take(max)
            : [];

    private static string? String(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
