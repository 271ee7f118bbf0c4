using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// What one attempt on a leased delivery changes: the unit <see cref="DeliveryStore"/> records, alone
/// or with other messages' attempts (<see cref="RecordGroupCommit"/>).
/// </summary>
/// <param name="Result">Null when nothing was sent (the message expired in the queue).</param>
/// <param name="Now">When the outcome was decided: the time of the events' ids.</param>
public sealed record AttemptRecord(LeasedDelivery Delivery, TransactionResult? Result, IReadOnlyList<RecipientUpdate> Updates, DateTimeOffset Now);
