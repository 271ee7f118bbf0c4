namespace EmailRelay.Webhooks;

/// <summary>The class of an address and the range that decided it, e.g. "loopback (127.0.0.0/8)".</summary>
public readonly record struct AddressVerdict(AddressClass Class, string Range);
