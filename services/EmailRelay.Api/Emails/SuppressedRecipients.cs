using EmailRelay.Data;

namespace EmailRelay.Api.Emails;

/// <summary>
/// The recipients the accept statement found on the project's suppression list, by message id and
/// ordinal, and what that makes of each email's status: a suppressed recipient is final and never
/// sent; an email whose recipients are all suppressed is <c>suppressed</c> itself and owes no
/// delivery command (the statement stores the same rule).
/// </summary>
public sealed class SuppressedRecipients(IReadOnlySet<(Guid MessageId, int Ordinal)> recipients)
{
    public static readonly SuppressedRecipients None = new(new HashSet<(Guid, int)>());

    public int Count => recipients.Count;

    public bool Contains(Guid messageId, int ordinal) => recipients.Contains((messageId, ordinal));

    /// <summary>Those of <paramref name="emails"/> only: one request's share of a statement that stored several.</summary>
    public SuppressedRecipients Of(IReadOnlyList<PreparedEmail> emails)
    {
        if (recipients.Count == 0)
        {
            return None;
        }
        var ids = emails.Select(e => e.Id).ToHashSet();
        var mine = recipients.Where(r => ids.Contains(r.MessageId)).ToHashSet();
        return mine.Count == 0 ? None : new SuppressedRecipients(mine);
    }

    public bool AllOf(PreparedEmail email) =>
        recipients.Count > 0 && Enumerable.Range(0, email.Email.Recipients.Count).All(i => Contains(email.Id, i));

    public string StatusOf(PreparedEmail email) => AllOf(email) ? RecipientStatus.Suppressed : email.InitialStatus;

    public string StatusOf(PreparedEmail email, int ordinal) => Contains(email.Id, ordinal) ? RecipientStatus.Suppressed : email.InitialStatus;

    /// <summary>The <c>202</c> body of one accepted email.</summary>
    public AcceptedEmail Describe(PreparedEmail email) =>
        new(email.Id, StatusOf(email), email.Email.Recipients.Select((r, i) => new AcceptedRecipient(r.Address, StatusOf(email, i))).ToList());
}
