namespace EmailRelay.Sender.Signing;

/// <summary>
/// A verified domain has an active key that cannot be used (sealed under another master key, no
/// master key configured, not a readable RSA key). The message must not leave unsigned: DMARC
/// would count it as a forgery of the domain that promised to sign, so the attempt fails and is
/// retried, as OpenDKIM's default (tempfail on an internal error) does.
/// </summary>
public sealed class DkimSigningException(string message, Exception? innerException = null) : Exception(message, innerException);
