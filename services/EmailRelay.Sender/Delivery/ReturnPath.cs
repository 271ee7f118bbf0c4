using EmailRelay.Data.Bounces;
using Microsoft.Extensions.Options;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// The envelope sender of each transaction (DESIGN.md §5). With <c>Bounces__Domain</c> set, every
/// recipient gets its own VERP address, <c>bounces+&lt;token&gt;@&lt;domain&gt;</c>, naming the message and
/// the recipient, and so its own transaction: a MAIL FROM is per transaction. Without it, one
/// transaction carries every recipient from the message's own address, as before VERP.
/// </summary>
public sealed class ReturnPath
{
    private readonly VerpToken? _verp;
    private readonly string? _domain;

    public ReturnPath(IOptions<BounceOptions> options)
    {
        var bounces = options.Value;
        if (bounces.VerpEnabled)
        {
            _verp = new VerpToken(bounces.Secret!);
            _domain = bounces.Domain!.Trim().ToLowerInvariant();
        }
    }

    public IReadOnlyList<DeliveryEnvelope> Envelopes(LeasedDelivery delivery) =>
        _verp is null
            ? [new DeliveryEnvelope(delivery.EnvelopeFrom, delivery.Recipients)]
            : delivery.Recipients.Select(r => new DeliveryEnvelope(_verp.Address(delivery.MessageId, r.Ordinal, _domain!), [r])).ToList();
}
