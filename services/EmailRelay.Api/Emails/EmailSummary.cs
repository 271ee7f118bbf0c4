namespace EmailRelay.Api.Emails;

/// <summary>An email as <c>GET /v1/emails</c> lists it.</summary>
public sealed record EmailSummary(
    Guid Id, string Status, DateTime CreatedAt, DateTime? SendAt, string From, string Subject, string[] Tags, int RecipientCount);
