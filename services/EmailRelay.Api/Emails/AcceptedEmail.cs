namespace EmailRelay.Api.Emails;

/// <summary>The <c>202</c> body of <c>POST /v1/emails</c>.</summary>
public sealed record AcceptedEmail(Guid Id, string Status, IReadOnlyList<AcceptedRecipient> Recipients);
