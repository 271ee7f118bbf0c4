namespace EmailRelay.Sender.Smtp;

/// <summary>The size of each endpoint's pool: open sessions at most, transactions per session, idle time before closing.</summary>
public sealed record SmtpPoolSettings(int MaxConnections, int MaxMessagesPerConnection, TimeSpan IdleTimeout);
