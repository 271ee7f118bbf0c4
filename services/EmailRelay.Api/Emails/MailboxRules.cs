using System.Text;
using EmailRelay.Api.Http;
using MimeKit;

namespace EmailRelay.Api.Emails;

/// <summary>
/// Addresses: parsed with MimeKit (RFC 5322), never matched with a regex, and held to the SMTP
/// limits of RFC 5321 in their envelope form, so every address that passes can be sent.
/// </summary>
public static class MailboxRules
{
    /// <summary>RFC 5321 §4.5.3.1.1 and .3 (the path limit of 256 less the angle brackets), counted in octets.</summary>
    public const int MaxLocalPartOctets = 64;
    public const int MaxAddressOctets = 254;

    /// <summary>A mailbox, display name included, has to fit on one header line (RFC 5322 §2.1.1).</summary>
    public const int MaxMailboxLength = 998;

    private static readonly ParserOptions StrictParser = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
        AllowUnquotedCommasInAddresses = false,
    };

    public static IEnumerable<RecipientAddress> Envelope(IEnumerable<MailboxAddress> mailboxes, string kind) =>
        mailboxes.Select(m =>
        {
            var address = m.GetAddress(idnEncode: true);
            return new RecipientAddress(address, address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant(), kind);
        });

    /// <summary>
    /// The SMTP limits of RFC 5321 on the envelope form: IDN domains in their ASCII form, the local
    /// part as UTF-8 octets (SMTPUTF8 counts octets too). MimeKit leaves a domain it cannot
    /// punycode as Unicode; that domain has no DNS form, so no server could ever be asked for it.
    /// </summary>
    private static string? CheckEnvelopeLimits(MailboxAddress mailbox)
    {
        var address = mailbox.GetAddress(idnEncode: true);
        var at = address.LastIndexOf('@');
        var local = address[..at];
        var domain = address[(at + 1)..];
        if (!domain.StartsWith('[') && (!Ascii.IsValid(domain) || domain.Length > 253 || domain.Split('.').Any(l => l.Length is 0 or > 63)))
        {
            return "the domain is not a valid (internationalised) domain name";
        }
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
        {
            return $"the part before the @ is longer than {MaxLocalPartOctets} octets (RFC 5321)";
        }
        if (Encoding.UTF8.GetByteCount(address) > MaxAddressOctets)
        {
            return $"the address is longer than {MaxAddressOctets} octets (RFC 5321)";
        }
        return null;
    }

    public static List<MailboxAddress> ParseList(List<string?>? values, string field, ValidationErrors errors)
    {
        var parsed = new List<MailboxAddress>();
        if (values is null)
        {
            return parsed;
        }
        for (var i = 0; i < values.Count; i++)
        {
            var mailbox = ParseMailbox(values[i], $"{field}[{i}]", errors, required: true);
            if (mailbox is not null)
            {
                parsed.Add(mailbox);
            }
        }
        return parsed;
    }

    public static MailboxAddress? ParseMailbox(string? value, string field, ValidationErrors errors, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(field, "An email address is required.");
            }
            return null;
        }
        if (!TextRules.CheckHeaderSafe(value, field, errors))
        {
            return null;
        }
        if (value.Length > MaxMailboxLength)
        {
            errors.Add(field, $"A mailbox is at most {MaxMailboxLength} characters.");
            return null;
        }
        if (!MailboxAddress.TryParse(StrictParser, value, out var mailbox) || mailbox.Route.Count > 0)
        {
            errors.Add(field, $"'{Truncate(value)}' is not a valid RFC 5322 mailbox (\"Name <user@example.com>\" or \"user@example.com\").");
            return null;
        }
        var at = mailbox.Address.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Address.Length - 1 || !mailbox.Address[(at + 1)..].Contains('.', StringComparison.Ordinal))
        {
            errors.Add(field, $"'{Truncate(value)}' needs a fully qualified domain.");
            return null;
        }
        if (CheckEnvelopeLimits(mailbox) is { } problem)
        {
            errors.Add(field, $"'{Truncate(value)}' cannot be used: {problem}.");
            return null;
        }
        return mailbox;
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : new StringBuilder(value, 0, 77, 80).Append("...").ToString();
}
