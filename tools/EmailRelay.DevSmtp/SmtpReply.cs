namespace EmailRelay.DevSmtp;

/// <summary>
/// One SMTP reply. A <see cref="Text"/> containing line feeds is sent as a multi-line reply.
/// </summary>
public sealed record SmtpReply(int Code, string? EnhancedCode, string Text)
{
    // A code outside 2xx-5xx would desynchronise any real client, so fail where the script is written.
    public int Code { get; init; } = Code is >= 200 and <= 599
        ? Code
        : throw new ArgumentOutOfRangeException(nameof(Code), Code, "SMTP reply codes are 200-599.");

    public string Text { get; init; } = Text ?? throw new ArgumentNullException(nameof(Text));

    public bool IsPositive => Code is >= 200 and < 300;

    public static SmtpReply Ok(string text = "Ok") => new(250, "2.0.0", text);

    public override string ToString() =>
        EnhancedCode is null ? $"{Code} {Text}" : $"{Code} {EnhancedCode} {Text}";
}
