namespace EmailRelay.Sender.Delivery;

/// <summary>One SMTP transaction's envelope: the MAIL FROM and the leased recipients it carries.</summary>
public sealed record DeliveryEnvelope(string From, IReadOnlyList<LeasedRecipient> Recipients);
