namespace EmailRelay.Api.RateLimiting;

/// <summary>
/// What a project's token bucket said to one request: whether its <see cref="Cost"/> emails were
/// taken, the tokens left afterwards (negative while a request larger than the burst is paid
/// off), and the bucket's effective rate and size. The values clients see are derived here.
/// </summary>
public sealed record RateLimitDecision(bool Admitted, int Cost, double Tokens, double PerSecond, int Burst)
{
    // Header values are whole seconds; a misconfigured rate must not overflow them.
    private const double MaxSeconds = int.MaxValue;

    /// <summary>Whole emails that may be sent now (the draft's <c>r</c>).</summary>
    public long Remaining => Tokens <= 0 ? 0 : (long)Math.Floor(Math.Min(Tokens, Burst));

    /// <summary>Seconds until the bucket is full again (the draft's <c>t</c> on an admitted request).</summary>
    public long SecondsUntilFull => Seconds((Burst - Tokens) / PerSecond, minimum: 0);

    /// <summary>
    /// Seconds until this request would be admitted: until the bucket holds its cost, or the whole
    /// burst for a request larger than the burst (the debt rule, <see cref="ProjectRateLimiter"/>).
    /// At least 1, as Retry-After is whole seconds and 0 would invite an immediate retry.
    /// </summary>
    public long RetryAfterSeconds => Seconds((Math.Min(Cost, Burst) - Tokens) / PerSecond, minimum: 1);

    /// <summary>
    /// The window in which the policy grants <see cref="Burst"/> emails at <see cref="PerSecond"/>
    /// (the draft's <c>w</c>), rounded up so that q/w never promises more than the rate.
    /// </summary>
    public long WindowSeconds => Seconds(Burst / PerSecond, minimum: 1);

    private static long Seconds(double seconds, long minimum) =>
        (long)Math.Clamp(Math.Ceiling(seconds), minimum, MaxSeconds);
}
