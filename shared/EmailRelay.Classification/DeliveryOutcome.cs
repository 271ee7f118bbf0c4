namespace EmailRelay.Classification;

/// <summary>What one delivery attempt means for one recipient.</summary>
/// <remarks>
/// "failed" (past the maximum queue lifetime) is not here on purpose: no single reply decides it.
/// The sender turns a deferral into a failure when the queue lifetime runs out, with reason
/// <see cref="BounceReason.Expired"/>.
/// </remarks>
public enum DeliveryOutcome
{
    /// <summary>The remote accepted the message (2yz at end of DATA).</summary>
    Delivered,

    /// <summary>Temporary: retry on the schedule until the queue lifetime expires.</summary>
    Deferred,

    /// <summary>Permanent: do not retry.</summary>
    Bounced,
}
