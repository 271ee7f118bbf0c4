using System.Text;
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
    private const int MaxDiagnosticChars = 1000;

    // A notice forwarded as an attachment is read; one forwarded inside that is the last looked at.
    private const int MaxForwardedDepth = 2;

    private static readonly Regex BounceSubject = new(
        @"undeliver|returned mail|return(ed|ing) (message|mail) to sender|delivery (status notification|failure|failed|has failed|problem|notification|error|report)|failure (notice|delivery)|(mail|message) delivery (failed|failure|has failed|system)|non[- ]?delivery|could not be delivered|mail system error|failed delivery|permanent delivery failure|not delivered|delivery (delayed|warning)|warning: message .* delayed|mail failed",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    private static readonly Regex DaemonSender = new(
        @"^(mailer[-_]?daemon|mail[-_]?daemon|postmaster|mail delivery (subsystem|system)|mdaemon|bounces?|nobody)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    private static readonly Regex FieldsInText = new(
        @"^\s*(final|original)-recipient\s*:\s*\S",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Multiline);

    private readonly ReplyClassifier classifier;
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
        this.classifier = classifier;
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
        var buffer = new byte[limits.MaxBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await message.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        var truncated = length == buffer.Length && await message.ReadAsync(new byte[1], cancellationToken) > 0;
        return Parse(buffer.AsMemory(0, length), truncated, cancellationToken);
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
        var returned = Returned(parts.ReturnedHeaders);

        if (parts.Texts.Count > 0 && SesNotificationReader.Read(parts.Texts[0], limits.MaxRecipients) is { } ses)
        {
            return FromSes(ses);
        }

        if (parts.FeedbackReports.Count > 0)
        {
            return Complaint(BounceFormat.Arf, FeedbackReportReader.Read(parts.FeedbackReports[0], limits.MaxRecipients), parts, returned);
        }

        if (ComplaintHeaders.Read(parts) is { } providerComplaint)
        {
            return Complaint(BounceFormat.VendorText, providerComplaint, parts, returned);
        }

        var senders = new VendorTextReader.Senders(
            SenderAddresses.Of(parts.ReturnedHeaders),
            parts.Message.To.Mailboxes.Select(m => m.Address).ToHashSet(StringComparer.OrdinalIgnoreCase));
        var looksLikeBounce = LooksLikeBounce(parts.Message.Headers);
        var vendor = text.Length > 0 ? vendorText.Read(text, looksLikeBounce || parts.DeliveryStatus.Count > 0, senders, limits.MaxRecipients) : null;
        returned ??= Returned(vendor?.ReturnedCopy is { } copy ? ReportParts.LoadHeaders(copy) : null);

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
                var format = parts.Texts.Exists(StartsWithFields) ? BounceFormat.Rfc3464Partial : BounceFormat.VendorText;
                return FromDeliveryStatus(format, dsn, vendor, returned);
            }
        }

        if (vendor is { Recipients.Count: > 0 })
        {
            return Finish(BounceFormat.VendorText, OnlyFailed(vendor.Recipients, parts.Message.Headers), returned, vendor);
        }

        if (AutoReplyDetector.IsAutoReply(parts.Message.Headers) && (vendor is null || !looksLikeBounce))
        {
            return AutoReply(parts.Message, returned);
        }

        // A gateway that passes a notice on as an attachment: the attached one is the report.
        if (depth < MaxForwardedDepth && parts.AttachedMessage is { } attached
            && (LooksLikeBounce(attached.Headers) || attached.Body is MultipartReport))
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
            var drafts = FallbackRecipients(parts.Message.Headers, returned)
                .Select(address => new RecipientDraft { Address = address, Action = action, Diagnostic = vendor.ReportText })
                .ToList();
            return Finish(BounceFormat.VendorText, drafts, returned, vendor);
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

    private static BounceReport Complaint(BounceFormat format, FeedbackReport feedback, ReportParts parts, ReturnedMessage? returned)
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
            ReportingMta = parts.Message.From.Mailboxes.FirstOrDefault()?.Domain,
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

    private BounceReport Finish(BounceFormat format, List<RecipientDraft> drafts, ReturnedMessage? returned, VendorTextReader.Result? vendor = null) => new()
    {
        Format = format,
        Recipients = [.. drafts.Take(limits.MaxRecipients).Select(draft => Classify(draft, vendor))],
        ReturnedMessage = returned,
    };

    /// <summary>
    /// One recipient's codes and reason. The remote server's own enhanced code, quoted in the
    /// diagnostic, wins over the Status field the reporting MTA wrote (often a bare X.0.0 or its
    /// own translation) unless the two disagree on the class.
    /// </summary>
    /// <remarks>
    /// When a vendor notice's lines about the recipient say nothing readable, its own statements
    /// ("delivery was aborted after 5 hours") or its family's known meaning are read instead.
    /// </remarks>
    private BounceRecipient Classify(RecipientDraft draft, VendorTextReader.Result? vendor)
    {
        var recipient = Classify(draft);
        if (vendor is null || recipient.Reason is not BounceReason.OnHold)
        {
            return recipient;
        }

        foreach (var words in new[] { vendor.Summary, vendor.Meaning })
        {
            if (!string.IsNullOrWhiteSpace(words))
            {
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
        }

        return recipient;
    }

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

    private static bool LooksLikeBounce(HeaderList headers)
    {
        if (headers.Contains("X-Failed-Recipients"))
        {
            return true;
        }

        var from = headers[HeaderId.From];
        if (from is not null && InternetAddressList.TryParse(from, out var list)
            && list.Mailboxes.FirstOrDefault() is { } sender
            && (DaemonSender.IsMatch(sender.LocalPart ?? "") || DaemonSender.IsMatch(sender.Name ?? "")))
        {
            return true;
        }

        return headers[HeaderId.Subject] is { } subject && BounceSubject.IsMatch(subject.Length > 500 ? subject[..500] : subject);
    }

    /// <summary>
    /// Exim and others list the failed addresses in X-Failed-Recipients: when the header names some
    /// of the addresses the text does, the others are mentions (a sender, an alias expanded from).
    /// </summary>
    private static List<RecipientDraft> OnlyFailed(List<RecipientDraft> drafts, HeaderList headers)
    {
        var failed = AddressText.FindAll(headers["X-Failed-Recipients"], limit: 1000);
        var named = drafts.FindAll(d => failed.Contains(d.Address!, StringComparer.OrdinalIgnoreCase));
        return named.Count > 0 ? named : drafts;
    }

    private static IEnumerable<string> FallbackRecipients(HeaderList headers, ReturnedMessage? returned)
    {
        var failed = AddressText.FindAll(headers["X-Failed-Recipients"], limit: 100);
        if (failed.Count > 0)
        {
            return failed;
        }

        return returned?.To.Count > 0 ? returned.To.Take(1) : [];
    }

    private static ReturnedMessage? Returned(HeaderList? headers)
    {
        if (headers is null)
        {
            return null;
        }

        var to = AddressText.FindAll(headers[HeaderId.To], limit: 100);
        return new ReturnedMessage
        {
            MessageId = headers[HeaderId.MessageId]?.Trim().Trim('<', '>'),
            EnvelopeSender = AddressText.Find(headers[HeaderId.ReturnPath]),
            From = AddressText.Find(headers[HeaderId.From]),
            To = to,
        };
    }

    private static bool StartsWithFields(string text)
    {
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan()[range].Trim();
            if (!line.IsEmpty)
            {
                var colon = line.IndexOf(':');
                return colon > 0 && !line[..colon].ContainsAny(" \t") && line[..colon].IndexOf('-') > 0;
            }
        }

        return false;
    }

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
