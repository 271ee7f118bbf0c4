using System.Text.RegularExpressions;
using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>What the headers of a notice say about it: whether it is a failure notice, and whom it names as failed.</summary>
internal static class NoticeHeaders
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;
    private const string FailedRecipients = "X-Failed-Recipients";

    private static readonly Regex BounceSubject = new(
        @"undeliver|returned mail|return(ed|ing) (message|mail) to sender|delivery (status notification|failure|failed|has failed|problem|notification|error|report)|failure (notice|delivery)|(mail|message) delivery (failed|failure|has failed|system)|non[- ]?delivery|could not be delivered|mail system error|failed delivery|permanent delivery failure|not delivered|delivery (delayed|warning)|warning: message .* delayed|mail failed",
        Options);

    private static readonly Regex DaemonSender = new(
        @"^(mailer[-_]?daemon|mail[-_]?daemon|postmaster|mail delivery (subsystem|system)|mdaemon|bounces?|nobody)\b",
        Options);

    /// <summary>Sent by a mailer daemon, titled as a failure, or listing failed recipients.</summary>
    public static bool LookLikeABounce(HeaderList headers)
    {
        if (headers.Contains(FailedRecipients))
        {
            return true;
        }

        if (headers[HeaderId.From] is { } from && InternetAddressList.TryParse(from, out var list)
            && list.Mailboxes.FirstOrDefault() is { } sender
            && (DaemonSender.IsMatch(sender.LocalPart ?? "") || DaemonSender.IsMatch(sender.Name ?? "")))
        {
            return true;
        }

        return headers[HeaderId.Subject] is { } subject && BounceSubject.IsMatch(subject.Length > 500 ? subject[..500] : subject);
    }

    /// <summary>
    /// Exim and others list the failed addresses in X-Failed-Recipients: when the header names some
    /// of the addresses the text does, the others are mentions (a sender, an alias expanded from).
    /// </summary>
    public static List<RecipientDraft> OnlyFailed(List<RecipientDraft> drafts, HeaderList headers)
    {
        var failed = AddressText.FindAll(headers[FailedRecipients], limit: 1000);
        var named = drafts.FindAll(d => failed.Contains(d.Address!, StringComparer.OrdinalIgnoreCase));
        return named.Count > 0 ? named : drafts;
    }

    /// <summary>For a notice whose text names nobody: X-Failed-Recipients, else the returned message's first addressee.</summary>
    public static IEnumerable<string> FallbackRecipients(HeaderList headers, ReturnedMessage? returned)
    {
        var failed = AddressText.FindAll(headers[FailedRecipients], limit: 100);
        if (failed.Count > 0)
        {
            return failed;
        }

        return returned?.To.Count > 0 ? returned.To.Take(1) : [];
    }
}
