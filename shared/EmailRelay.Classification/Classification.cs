namespace EmailRelay.Classification;

/// <summary>The typed meaning of one SMTP outcome for one recipient.</summary>
/// <param name="Outcome">Delivered, deferred (retry) or bounced (permanent).</param>
/// <param name="Reason">Why it was not delivered; null exactly when <paramref name="Outcome"/> is Delivered.</param>
/// <param name="Hard">
/// The address should be suppressed: user_unknown, host_unknown, has_moved, and not_accept with a
/// 5yz. Only ever true for Bounced — a deferral never suppresses.
/// </param>
/// <param name="Ambiguous">
/// The remote may have the message although we saw no success (timeout after the final dot); a
/// retry may produce a duplicate and should be counted as such.
/// </param>
/// <remarks>
/// The type shares its name with its namespace (a fixed public name). Code in other
/// <c>EmailRelay.*</c> namespaces resolves the bare name to the namespace, so refer to it as
/// <c>EmailRelay.Classification.Classification</c>, through a using alias, or with <c>var</c>.
/// </remarks>
public sealed record Classification(DeliveryOutcome Outcome, BounceReason? Reason, bool Hard, bool Ambiguous);
