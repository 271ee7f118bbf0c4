using System.Text.RegularExpressions;
using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Recognises automatic replies (RFC 3834 and the headers and subjects mail programs use in its
/// place). Only asked once nothing in the message reports a failure: some MTAs mark their
/// bounces "Auto-Submitted: auto-replied" too.
/// </summary>
internal static class AutoReplyDetector
{
    private static readonly Regex AutoReplySubject = new(
        @"^\s*(auto(matic)?[ -]?(reply|response|antwort|risposta)|autoreply|out of (the )?office|away from (the |my )?(office|desk)|away until|on vacation|vacation (reply|message|notice|response)|abwesenheit|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|automatisch antwoord|自動応答|自動返信|自動回覆|自动回复)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    public static bool IsAutoReply(HeaderList headers)
    {
        if (headers[HeaderId.AutoSubmitted] is { } submitted && submitted.Trim().StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (IsSet(headers["X-Autoreply"]) || IsSet(headers["X-Autorespond"]) || IsSet(headers["X-Auto-Reply"]))
        {
            return true;
        }

        if (headers[HeaderId.Precedence] is { } precedence && precedence.Trim().Equals("auto_reply", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return headers[HeaderId.Subject] is { } subject && AutoReplySubject.IsMatch(subject.Length > 500 ? subject[..500] : subject);
    }

    private static bool IsSet(string? value) =>
        value is not null && !value.Trim().Equals("no", StringComparison.OrdinalIgnoreCase) && !value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);
}
