namespace EmailRelay.Sender.Smtp;

/// <summary>How this relay behaves as an SMTP client, whatever the endpoint: its EHLO name and its patience.</summary>
public sealed record SmtpClientSettings(string HeloName, TimeSpan ConnectTimeout, TimeSpan CommandTimeout);
