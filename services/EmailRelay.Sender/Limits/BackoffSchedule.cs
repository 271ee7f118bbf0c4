namespace EmailRelay.Sender.Limits;

/// <summary>
/// How long a destination is backed off after its n-th 421 or 4.7.x in a row: the initial backoff,
/// doubled each time, capped at the maximum. The doubling between a floor and a cap is Postfix's
/// (qmgr's minimal_backoff_time to maximal_backoff_time, 300 s to 4000 s, for deferred mail);
/// KumoMTA's traffic-shaping rules suspend for a fixed time instead, which a repeat offender
/// would meet again at once. A floor of one minute, not Postfix's five: a 421 is often a short
/// "too many connections", and the recipients' own retry schedule spaces them further anyway.
/// </summary>
public sealed record BackoffSchedule(TimeSpan Initial, TimeSpan Max)
{
    /// <summary>The backoff for the given strike (1 = the first in a row).</summary>
    public TimeSpan For(int strike)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(strike, 1);
        var steps = Steps();
        return steps[Math.Min(strike, steps.Count) - 1];
    }

    /// <summary>
    /// Every distinct step, the last one the cap: the database picks step min(strikes, count), so
    /// this rule lives here and nowhere in SQL.
    /// </summary>
    public IReadOnlyList<TimeSpan> Steps()
    {
        var steps = new List<TimeSpan>();
        var step = Initial < Max ? Initial : Max;
        while (step < Max)
        {
            steps.Add(step);
            step = step > Max / 2 ? Max : step * 2;
        }
        steps.Add(Max);
        return steps;
    }
}
