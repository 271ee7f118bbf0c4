using System.Text.Json;
using EmailRelay.Classification;
using EmailRelay.Data.Events;
using EmailRelay.Tracking.Bounces.Parsing;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// What happens to a report the listener received: parsed by the same parser as
/// <c>parse-bounce</c>, matched to our recipient by its VERP token, then — a bounce: the recipient
/// becomes bounced; a complaint: a <c>complained</c> event; an auto-reply: an <c>auto_replied</c>
/// event, never a bounce; delay and success notices change nothing. What matches no recipient is
/// kept as an unmatched bounce, never dropped.
/// </summary>
public sealed partial class BounceIntake(BounceMatcher matcher, BounceRecorder recorder, BounceMetrics metrics,
    IOptions<BounceListenerOptions> options, ILogger<BounceIntake> logger)
{
    /// <summary>Records the report; returns the words for the 250 reply.</summary>
    public async Task<string> ReceiveAsync(BounceEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var report = BounceParser.Default.Parse(message, cancellationToken);
        var format = report.Format.ToWireName();
        var match = matcher.Match(envelope, report);
        if (match.Targets.Count == 0)
        {
            return await KeepUnmatchedAsync(envelope, report, message, match.Unmatched!, cancellationToken);
        }
        var recorded = 0;
        foreach (var target in match.Targets)
        {
            var outcome = await RecordAsync(target, report, format, cancellationToken);
            metrics.Received(format, outcome.ToString());
            if (outcome == RecordOutcome.Gone)
            {
                return await KeepUnmatchedAsync(envelope, report, message, "the email is no longer kept (or was never sent here)", cancellationToken);
            }
            recorded += outcome is RecordOutcome.Bounced or RecordOutcome.EventAdded ? 1 : 0;
        }
        return $"{format} report recorded for {recorded} recipient(s)";
    }

    private async Task<RecordOutcome> RecordAsync(BounceTarget target, BounceReport report, string format, CancellationToken cancellationToken)
    {
        // The token names the recipient; the report's entry is the failed one (one per report for VERP mail).
        var entry = report.Recipients.FirstOrDefault(r => r.Outcome == DeliveryOutcome.Bounced) ?? report.Recipients.FirstOrDefault();
        switch (report.Format)
        {
            case BounceFormat.Arf:
                return await recorder.EventAsync(target, EventTypes.Complained, Details("arf", format, entry, report), cancellationToken);
            case BounceFormat.AutoReply:
                return await recorder.EventAsync(target, EventTypes.AutoReplied, Details("autoreply", format, entry, report), cancellationToken);
        }
        if (entry?.Reason == BounceReason.Feedback)
        {
            return await recorder.EventAsync(target, EventTypes.Complained, Details("feedback", format, entry, report), cancellationToken);
        }
        if (entry?.Outcome == DeliveryOutcome.Bounced)
        {
            return await recorder.BouncedAsync(target, Details("dsn", format, entry, report), cancellationToken);
        }
        // A delay notice (the remote still tries) or a success notice: the recipient's state stands.
        LogNotActionable(logger, format, entry?.Outcome?.ToString() ?? "none");
        return RecordOutcome.Ignored;
    }

    private static BounceDetails Details(string source, string format, BounceRecipient? entry, BounceReport report) => new(
        source, format, entry?.ReasonName, entry?.Hard, entry?.ReplyCode, entry?.Status, entry?.Diagnostic,
        entry?.RemoteMta ?? report.ReportingMta, report.Feedback?.FeedbackType);

    private async Task<string> KeepUnmatchedAsync(BounceEnvelope envelope, BounceReport report, ReadOnlyMemory<byte> message, string reason,
        CancellationToken cancellationToken)
    {
        var format = report.Format.ToWireName();
        var kept = message.Length > options.Value.KeptRawBytes ? message[..options.Value.KeptRawBytes] : message;
        await recorder.UnmatchedAsync(envelope, null, Subject(message), format, reason, ReportJson(report), kept, cancellationToken);
        metrics.Received(format, "Unmatched");
        LogUnmatched(logger, format, reason);
        return "kept as an unmatched report";
    }

    private static string? Subject(ReadOnlyMemory<byte> message)
    {
        try
        {
            using var stream = new MemoryStream(message.ToArray(), writable: false);
            var subject = HeaderList.Load(stream)[HeaderId.Subject];
            return subject is null ? null : subject.Length > 500 ? subject[..500] : subject;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string ReportJson(BounceReport report) => JsonSerializer.Serialize(new
    {
        format = report.Format.ToWireName(),
        reporting_mta = report.ReportingMta,
        original_message_id = report.ReturnedMessage?.MessageId,
        feedback_type = report.Feedback?.FeedbackType,
        recipients = report.Recipients.Select(r => new
        {
            recipient = r.Address,
            status = r.Status,
            reply_code = r.ReplyCode,
            reason = r.ReasonName,
            hard = r.Hard,
            diagnostic = r.Diagnostic,
        }),
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Format} report matched nothing ({Reason}); kept as an unmatched bounce")]
    private static partial void LogUnmatched(ILogger logger, string format, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Format} report changes nothing (outcome {Outcome}); not recorded")]
    private static partial void LogNotActionable(ILogger logger, string format, string outcome);
}
