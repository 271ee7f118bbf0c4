using System.Text.RegularExpressions;
using EmailRelay.Classification;
using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Turns an incoming report — a DSN (RFC 3464), a complaint (ARF, RFC 5965), an auto-reply
/// (RFC 3834) or a notice in an MTA's or provider's own format — into one <see cref="BounceReport"/>
/// with a classified entry per recipient. Every reason comes from the shared
/// <see cref="ReplyClassifier"/>, so an asynchronous bounce and a synchronous reply that say the
/// same thing get the same reason.
/// </summary>
/// <remarks>
/// Safe on hostile input: reads at most <see cref="BounceParserLimits.MaxBytes"/>, visits a
/// bounded number of MIME parts, matches only with linear-time regular expressions, and answers
/// <see cref="BounceReport.Unrecognised"/> rather than throw. Immutable and thread-safe.
/// </remarks>
public sealed class BounceParser
{
    // A notice forwarded as an attachment is read; one forwarded inside that is the last looked at.
    private const int MaxForwardedDepth = 2;

    private static readonly Regex FieldsInText = new(
        @"^\s*(final|original)-recipient\s*:\s*\S",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Multiline);

    private readonly DraftClassifier drafts;
    private readonly BounceParserLimits limits;
    private readonly VendorTextReader vendorText;

    public BounceParser(ReplyClassifier classifier, BounceParserLimits limits)
        : this(classifier, limits, VendorTextReader.Default)
    {
    }

    private BounceParser(ReplyClassifier classifier, BounceParserLimits limits, VendorTextReader vendorText)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(limits);
        drafts = new DraftClassifier(classifier);
        this.limits = limits;
        this.vendorText = vendorText;
    }

    /// <summary>The parser with the embedded rules and the default limits.</summary>
    public static BounceParser Default { get; } = new(ReplyClassifier.Default, BounceParserLimits.Default);

    /// <summary>
    /// Reads at most <see cref="BounceParserLimits.MaxBytes"/> of <paramref name="message"/> and parses them.
    /// Errors reading the stream are the caller's and propagate; nothing in the bytes makes this throw.
    /// </summary>
    public async Task<BounceReport> ParseAsync(Stream message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Most reports are a few kilobytes: grow to what arrives rather than reserve the limit.
        using var copy = new MemoryStream();
        var chunk = new byte[16 * 1024];
        var truncated = false;
        while (true)
        {
            // One byte past the limit tells "exactly the limit" from "more than the limit".
            var room = limits.MaxBytes - (int)copy.Length;
            var read = await message.ReadAsync(chunk.AsMemory(0, Math.Min(chunk.Length, room + 1)), cancellationToken);
            if (read == 0)
            {
                break;
            }

            copy.Write(chunk, 0, Math.Min(read, room));
            if (read > room)
            {
                truncated = true;
                break;
            }
        }

        return Parse(copy.GetBuffer().AsMemory(0, (int)copy.Length), truncated, cancellationToken);
    }

    /// <summary>Parses a whole message (only the first <see cref="BounceParserLimits.MaxBytes"/> are read).</summary>
    public BounceReport Parse(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var truncated = message.Length > limits.MaxBytes;
        return Parse(truncated ? message[..limits.MaxBytes] : message, truncated, cancellationToken);
    }

    private BounceReport Parse(ReadOnlyMemory<byte> bytes, bool truncated, CancellationToken cancellationToken)
    {
        try
        {
            var message = MimeLoader.Load(bytes, limits, cancellationToken);
            var parts = ReportParts.Collect(message, limits);
            var report = Read(parts, depth: 0);
            return truncated || parts.Truncated ? report with { Truncated = true } : report;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever a stranger's message does to a parser bug, it must cost that message only:
            // the listener answers, records "unrecognised" and goes on.
            return BounceReport.Unrecognised with { Truncated = truncated };
        }
    }

    /// <summary>The readers in order: the most machine-readable form a report offers wins.</summary>
    private BounceReport Read(ReportParts parts, int depth)
    {
        var text = parts.AllText();
        var returned = ReturnedMessage.FromHeaders(parts.ReturnedHeaders);

        if (parts.Texts.Count > 0 && SesNotificationReader.Read(parts.Texts[0], limits.MaxRecipients) is { } ses)
        {
            return FromSes(ses);
        }

        if (parts.FeedbackReports.Count > 0)
        {
            return Complaint(BounceFormat.Arf, FeedbackReportReader.Read(parts.FeedbackReports[0], limits.MaxRecipients), returned);
        }

        if (ComplaintHeaders.Read(parts) is { } providerComplaint)
        {
            return Complaint(BounceFormat.VendorText, providerComplaint, returned);
        }

        var senders = new VendorTextReader.Senders(
            SenderAddresses.Of(parts.ReturnedHeaders),
            parts.Message.To.Mailboxes.Select(m => m.Address).ToHashSet(StringComparer.OrdinalIgnoreCase));
        var looksLikeBounce = NoticeHeaders.LookLikeABounce(parts.Message.Headers);
        var vendor = text.Length > 0 ? vendorText.Read(text, looksLikeBounce || parts.DeliveryStatus.Count > 0, senders, limits.MaxRecipients) : null;
        returned ??= ReturnedMessage.FromHeaders(vendor?.ReturnedCopy is { } copy ? ReportParts.LoadHeaders(copy) : null);

        foreach (var (fields, inReport) in parts.DeliveryStatus)
        {
            var dsn = DeliveryStatusReader.Read(fields, limits.MaxRecipients);
            if (dsn.Recipients.Count > 0)
            {
                return FromDeliveryStatus(inReport ? BounceFormat.Rfc3464 : BounceFormat.Rfc3464Partial, dsn, vendor, returned);
            }
        }

        if (FieldsInText.IsMatch(text))
        {
            var dsn = DeliveryStatusReader.Read(text, limits.MaxRecipients);
            if (dsn.Recipients.Count > 0)
            {
                // A part that is nothing but fields is a mislabelled delivery-status part; fields
                // quoted inside a provider's prose are that provider's format.
                var format = parts.Texts.Exists(ReportFields.StartsWithField) ? BounceFormat.Rfc3464Partial : BounceFormat.VendorText;
                return FromDeliveryStatus(format, dsn, vendor, returned);
            }
        }

        if (vendor is { Recipients.Count: > 0 })
        {
            return Finish(BounceFormat.VendorText, NoticeHeaders.OnlyFailed(vendor.Recipients, parts.Message.Headers), returned, vendor);
        }

        if (AutoReplyDetector.IsAutoReply(parts.Message.Headers) && (vendor is null || !looksLikeBounce))
        {
            return AutoReply(parts.Message, returned);
        }

        // A gateway that passes a notice on as an attachment: the attached one is the report.
        if (depth < MaxForwardedDepth && parts.AttachedMessage is { } attached
            && (NoticeHeaders.LookLikeABounce(attached.Headers) || attached.Body is MultipartReport))
        {
            var forwarded = Read(ReportParts.Collect(attached, limits), depth + 1);
            if (forwarded.Recipients.Count > 0)
            {
                return forwarded;
            }
        }

        if (vendor is not null)
        {
            // A failure notice that names nobody in words a row knows: the headers may.
            var action = vendor.Delayed ? DsnAction.Delayed : DsnAction.Failed;
            var named = NoticeHeaders.FallbackRecipients(parts.Message.Headers, returned)
                .Select(address => new RecipientDraft { Address = address, Action = action, Diagnostic = vendor.ReportText })
                .ToList();
            return Finish(BounceFormat.VendorText, named, returned, vendor);
        }

        return BounceReport.Unrecognised with { ReturnedMessage = returned };
    }

    private BounceReport FromDeliveryStatus(BounceFormat format, DeliveryStatusReader.Result dsn, VendorTextReader.Result? vendor, ReturnedMessage? returned)
    {
        // The human-readable part often says more: which command was refused, or (Exchange, Domino,
        // with no Diagnostic-Code at all) what the remote said.
        foreach (var draft in dsn.Recipients)
        {
            var words = vendor?.Recipients
                .Find(v => string.Equals(v.Address, draft.Address, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(v.Address, draft.OriginalRecipient, StringComparison.OrdinalIgnoreCase))?.Diagnostic;
            draft.Context = words;
            draft.Diagnostic ??= words;
        }

        return Finish(format, dsn.Recipients, returned) with
        {
            ReportingMta = dsn.ReportingMta,
            OriginalEnvelopeId = dsn.OriginalEnvelopeId,
        };
    }

    private BounceReport FromSes(SesNotificationReader.Result ses)
    {
        if (ses.Feedback is not null)
        {
            return new BounceReport
            {
                Format = BounceFormat.VendorJson,
                Recipients = [.. ses.Recipients.Select(r => NotABounce(r.Address, r.Address, BounceReason.Feedback))],
                Feedback = ses.Feedback,
                ReturnedMessage = ses.Returned,
            };
        }

        return Finish(BounceFormat.VendorJson, ses.Recipients, ses.Returned);
    }

    private static BounceReport Complaint(BounceFormat format, FeedbackReport feedback, ReturnedMessage? returned)
    {
        // A complaint that names nobody still counts, for the message it reports.
        IReadOnlyList<string?> addresses = [null];
        if (feedback.OriginalRcptTo.Count > 0)
        {
            addresses = feedback.OriginalRcptTo;
        }
        else if (returned?.To.Count > 0)
        {
            addresses = returned.To;
        }

        return new BounceReport
        {
            Format = format,
            Recipients = [.. addresses.Select(a => NotABounce(a, feedback.OriginalRcptTo.Count > 0 ? a : null, BounceReason.Feedback))],
            Feedback = feedback,
            ReturnedMessage = returned,
        };
    }

    private static BounceReport AutoReply(MimeMessage message, ReturnedMessage? returned)
    {
        // The mailbox that answered is the recipient we wrote to.
        var address = message.From.Mailboxes.FirstOrDefault()?.Address ?? message.Sender?.Address;
        return new BounceReport
        {
            Format = BounceFormat.AutoReply,
            Recipients = [NotABounce(address, null, BounceReason.Vacation)],
            ReturnedMessage = returned,
        };
    }

    private static BounceRecipient NotABounce(string? address, string? original, BounceReason reason) =>
        new() { Address = address, OriginalRecipient = original, Reason = reason };

    private BounceReport Finish(BounceFormat format, List<RecipientDraft> found, ReturnedMessage? returned, VendorTextReader.Result? vendor = null) => new()
    {
        Format = format,
        Recipients = [.. found.Take(limits.MaxRecipients).Select(draft => drafts.Classify(draft, vendor))],
        ReturnedMessage = returned,
    };
}
