namespace EmailRelay.Tracking.Bounces;

/// <summary>One recipient of one of our emails, as a VERP token named it.</summary>
public readonly record struct BounceTarget(Guid MessageId, short Ordinal);
