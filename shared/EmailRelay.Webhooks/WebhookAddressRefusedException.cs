namespace EmailRelay.Webhooks;

/// <summary>A webhook's host resolved to an address it may not reach (or did not resolve): no connection was made.</summary>
public sealed class WebhookAddressRefusedException(string message) : Exception(message);
