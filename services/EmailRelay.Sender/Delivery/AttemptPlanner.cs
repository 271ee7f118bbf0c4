using EmailRelay.Classification;
using Verdict = EmailRelay.Classification.Classification;
using EmailRelay.Data;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Decides, from one transaction's result, what becomes of each recipient: delivered, bounced,
/// deferred to the next slot of the retry schedule, or failed because its queue lifetime is over.
/// Pure: no I/O, time and randomness passed in, so every rule is unit-tested.
/// </summary>
public sealed class AttemptPlanner(ReplyClassifier classifier, RetrySchedule schedule)
{
    public IReadOnlyList<RecipientUpdate> Plan(LeasedDelivery delivery, TransactionResult result, DateTimeOffset now, Func<double> random01)
    {
        var updates = new List<RecipientUpdate>(delivery.Recipients.Count);
        foreach (var recipient in delivery.Recipients)
        {
            var attempt = recipient.Attempts + 1;
            var (classification, reply) = Decide(recipient.Address, result);
            // A refused MAIL FROM says nothing about the recipient's address: never a reason to suppress it.
            var hard = classification.Hard && !(result.SenderRefused && ReferenceEquals(reply, result.TransactionReply));
            var update = new RecipientUpdate(recipient.Ordinal, recipient.Address, attempt, RecipientStatus.Deferred, null, null,
                reply?.Code, reply?.EnhancedCode, reply?.Text ?? result.FailureDetail, classification.Reason, hard,
                classification.Ambiguous, Attempted: true);
            updates.Add(classification.Outcome switch
            {
                DeliveryOutcome.Delivered => update with { Status = RecipientStatus.Delivered, DeliveredAt = now, Reason = null },
                DeliveryOutcome.Bounced => update with { Status = RecipientStatus.Bounced },
                _ => Defer(update, delivery.ExpiresAt, now, random01()),
            });
        }
        return updates;
    }

    /// <summary>
    /// Recipients whose lifetime ran out before they could be tried again: failed, no SMTP attempt.
    /// The reply that last deferred them stays as the explanation; a recipient never tried says so.
    /// </summary>
    public static IReadOnlyList<RecipientUpdate> Expire(LeasedDelivery delivery) =>
        delivery.Recipients.Select(r => new RecipientUpdate(r.Ordinal, r.Address, r.Attempts, RecipientStatus.Failed, null, null,
            r.LastReplyCode, r.LastEnhancedCode, r.LastReply ?? "maximum queue lifetime reached before any delivery attempt",
            BounceReason.Expired, Hard: false, Ambiguous: false, Attempted: false)).ToList();

    private RecipientUpdate Defer(RecipientUpdate update, DateTimeOffset expiresAt, DateTimeOffset now, double random01)
    {
        if (now >= expiresAt)
        {
            // The last try was at (or past) the deadline: give up, keeping the reply that last deferred it.
            return update with { Status = RecipientStatus.Failed, Reason = BounceReason.Expired, Hard = false };
        }
        var next = now + schedule.DelayAfter(update.Attempt, random01);
        return update with { NextAttemptAt = next < expiresAt ? next : expiresAt };
    }

    private (Verdict Classification, SmtpReplyInfo? Reply) Decide(string address, TransactionResult result)
    {
        // A refusal at RCPT belongs to that recipient alone, whatever happened to the others.
        if (result.RecipientReplies.TryGetValue(address, out var rcpt) && rcpt.Code / 100 != 2)
        {
            return (classifier.ClassifyReply(rcpt.Code, rcpt.EnhancedCode, rcpt.Text), rcpt);
        }
        if (result.TransactionReply is { } reply)
        {
            var verdict = classifier.ClassifyReply(reply.Code, reply.EnhancedCode, reply.Text);
            // A 5yz greeting (or EHLO) is the server refusing this client, not the recipient: Postfix
            // (smtp_skip_5xx_greeting) treats it as temporary, and so do we.
            return (result.ConnectFailed && verdict.Outcome == DeliveryOutcome.Bounced
                ? verdict with { Outcome = DeliveryOutcome.Deferred, Hard = false }
                : verdict, reply);
        }
        if (result.Failure is { } failure)
        {
            return (classifier.ClassifyTransportFailure(failure), null);
        }
        // Accepted at RCPT, but no other recipient was, so DATA never ran: try again.
        return (classifier.ClassifyTransportFailure(TransportFailure.ProtocolError), null);
    }
}
