namespace EmailRelay.Api.Emails;

public sealed record AcceptedRecipient(string Email, string Status);
