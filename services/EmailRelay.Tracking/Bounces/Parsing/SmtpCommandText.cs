using System.Text.RegularExpressions;
using EmailRelay.Classification;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Finds which SMTP command a report says the remote server refused: Postfix's "(in reply to
/// RCPT TO command)", Exim's "after end of data", a Sendmail transcript's "&gt;&gt;&gt; DATA",
/// Yahoo's "[RCPT_TO]". When several are named (a transcript), the last one is the one refused.
/// </summary>
internal static class SmtpCommandText
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static readonly (SmtpCommand Command, Regex Pattern)[] Patterns =
    [
        (SmtpCommand.Connect, new Regex(@"after initial connection|refused to talk to me|in reply to (the )?(helo|ehlo|initial greeting|greeting)|after (helo|ehlo)\b|>>>\s*(helo|ehlo)\b|\[(helo|ehlo|connect)\]|during (the )?(greeting|initial connection)", Options)),
        (SmtpCommand.MailFrom, new Regex(@"in reply to mail from|after mail from|>>>\s*mail from|\[mail_?from\]|sender was rejected|for mail from command", Options)),
        (SmtpCommand.RcptTo, new Regex(@"in reply to rcpt to|after rcpt to|>>>\s*rcpt to|\[rcpt_?to\]|after rcpt command|for rcpt to command|does not like recipient", Options)),
        (SmtpCommand.Data, new Regex(@"in reply to (end of )?data|after (end of )?data\b|after the data command|>>>\s*data\b|\[data\]|for text command|did not like our final data|smtp command\s*:?\s*\n?\s*data\b", Options)),
    ];

    public static SmtpCommand? Last(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        SmtpCommand? found = null;
        var at = -1;
        foreach (var (command, pattern) in Patterns)
        {
            foreach (Match match in pattern.Matches(text))
            {
                if (match.Index > at)
                {
                    (found, at) = (command, match.Index);
                }
            }
        }

        return found;
    }
}
