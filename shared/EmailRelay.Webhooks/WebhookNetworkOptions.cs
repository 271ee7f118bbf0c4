namespace EmailRelay.Webhooks;

/// <summary>
/// <c>Webhooks__AllowPrivateNetworks</c>, read by the API (registration) and Tracking (connect
/// time): true lets webhooks go to http:// URLs and to loopback, private, link-local, CGNAT,
/// unique-local, documentation and reserved addresses — for receivers inside the cluster and for
/// tests. Unspecified, multicast, broadcast and cloud metadata addresses stay refused.
/// </summary>
public sealed class WebhookNetworkOptions
{
    public const string Section = "Webhooks";

    public bool AllowPrivateNetworks { get; set; }
}
