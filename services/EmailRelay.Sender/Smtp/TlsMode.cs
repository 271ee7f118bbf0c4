namespace EmailRelay.Sender.Smtp;

/// <summary>
/// STARTTLS policy of one endpoint: <c>none</c> never upgrades; <c>opportunistic</c> upgrades when
/// offered and accepts any certificate (RFC 7435: it only defeats passive listening); <c>required</c>
/// sends nothing unless the session is encrypted.
/// </summary>
public enum TlsMode { None, Opportunistic, Required }
