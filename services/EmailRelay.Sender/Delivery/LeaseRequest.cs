namespace EmailRelay.Sender.Delivery;

/// <summary>One consumer's request to lease a message's due recipients, under a token of its own.</summary>
public sealed record LeaseRequest(Guid MessageId, Guid Token, DateTimeOffset LeasedUntil, DateTimeOffset Now);
