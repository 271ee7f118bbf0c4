namespace EmailRelay.Sender.Routing;

/// <summary><c>Delivery__Mode</c>: where mail that no route claims goes.</summary>
public enum DeliveryMode
{
    /// <summary>Everything to <c>Delivery__Smarthost__*</c> (the default).</summary>
    Smarthost,

    /// <summary>To the recipient domain's own mail servers, found by MX lookup (RFC 5321 §5).</summary>
    Direct,
}
