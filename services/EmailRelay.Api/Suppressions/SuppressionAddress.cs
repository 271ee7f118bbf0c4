using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;

namespace EmailRelay.Api.Suppressions;

/// <summary>
/// An address as the suppression list holds it: parsed by the same <see cref="MailboxRules"/> as a
/// recipient, in the same envelope form (an IDN domain in its ASCII form), so it matches the
/// recipients of accepted emails. Letter case is folded by PostgreSQL's lower() on both sides
/// (EmailStore's check, <see cref="SuppressionStore"/>), never here, so the two cannot disagree.
/// </summary>
public static class SuppressionAddress
{
    /// <summary>The envelope form of <paramref name="value"/>, or null with an error under <paramref name="field"/>.</summary>
    public static string? Parse(string? value, string field, ValidationErrors errors)
    {
        var mailbox = MailboxRules.ParseMailbox(value, field, errors, required: true);
        if (mailbox is null)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(mailbox.Name))
        {
            errors.Add(field, "Give the address alone, without a display name: ana@example.net.");
            return null;
        }
        return MailboxRules.Envelope([mailbox], "to").Single().Address;
    }
}
