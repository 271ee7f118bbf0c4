using EmailRelay.Classification;

namespace EmailRelay.Sender.Smtp;

/// <summary>One SMTP reply as the server sent it: code, enhanced status code, and every line verbatim.</summary>
public sealed record SmtpReplyInfo(int Code, string? EnhancedCode, string Text)
{
    /// <summary>
    /// Rebuilds the reply lines from MailKit's parts: it strips the code from each line and joins
    /// the rest with LF, so the original is the code, '-' or ' ', and the text of each line.
    /// </summary>
    public static SmtpReplyInfo From(int code, string response)
    {
        var lines = response.Split('\n');
        var text = lines.Length == 1
            ? $"{code} {response}"
            : string.Join("\r\n", lines.Select((line, i) => $"{code}{(i == lines.Length - 1 ? ' ' : '-')}{line}"));
        return new SmtpReplyInfo(code, ReplyClassifier.ExtractEnhancedCode(lines[0]), text);
    }
}
