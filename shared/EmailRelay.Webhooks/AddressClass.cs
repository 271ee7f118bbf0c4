namespace EmailRelay.Webhooks;

/// <summary>Where an IP address may be reached from a webhook.</summary>
public enum AddressClass
{
    /// <summary>A public address: always allowed.</summary>
    Public,

    /// <summary>Loopback, private, link-local, shared, documentation, reserved: allowed only with <c>Webhooks__AllowPrivateNetworks</c>.</summary>
    Private,

    /// <summary>Never a webhook receiver: unspecified, multicast, broadcast and cloud metadata services, whatever the configuration.</summary>
    Never,
}
