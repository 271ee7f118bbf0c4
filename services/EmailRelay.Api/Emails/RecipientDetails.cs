namespace EmailRelay.Api.Emails;

public sealed record RecipientDetails(
    string Email, string Kind, string Status, int Attempts, int? LastReplyCode, string? LastEnhancedCode, string? LastReply,
    DateTime? DeliveredAt, DateTime? NextAttemptAt, string? BounceReason);
