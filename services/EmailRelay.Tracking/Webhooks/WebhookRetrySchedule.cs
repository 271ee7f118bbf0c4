using System.Globalization;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// The delays before each attempt of a delivery, "0s,5s,5m,30m" style (units ms, s, m, h, d): the
/// first is counted from the event, each next one from the attempt before it, and there are as
/// many attempts as delays. Jitter moves each delay by up to ±<c>jitter</c> of itself.
/// </summary>
public sealed class WebhookRetrySchedule
{
    public const int MaxAttemptsLimit = 100;

    private readonly TimeSpan[] _delays;

    private WebhookRetrySchedule(TimeSpan[] delays, double jitter)
    {
        _delays = delays;
        Jitter = jitter;
    }

    public IReadOnlyList<TimeSpan> Delays => _delays;
    public double Jitter { get; }
    public int MaxAttempts => _delays.Length;

    /// <summary>The delay before attempt <paramref name="attempt"/> (1-based) with its jitter; <paramref name="random01"/> in [0, 1).</summary>
    public TimeSpan DelayBefore(int attempt, double random01)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(attempt, MaxAttempts);
        var delay = _delays[attempt - 1];
        return delay + TimeSpan.FromTicks((long)(delay.Ticks * Jitter * (2 * random01 - 1)));
    }

    public static WebhookRetrySchedule Parse(string text, double jitter) =>
        TryParse(text, jitter, out var schedule, out var error) ? schedule! : throw new FormatException(error);

    public static bool TryParse(string? text, double jitter, out WebhookRetrySchedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        if (!double.IsFinite(jitter) || jitter < 0 || jitter > 1)
        {
            error = "the jitter is a fraction from 0 to 1.";
            return false;
        }
        var delays = new List<TimeSpan>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseDelay(part, out var delay))
            {
                error = $"'{part}' is not a delay such as 0s, 500ms, 5s, 30m, 2h or 1d.";
                return false;
            }
            delays.Add(delay);
        }
        if (delays.Count > MaxAttemptsLimit)
        {
            error = $"at most {MaxAttemptsLimit} attempts.";
            return false;
        }
        schedule = new WebhookRetrySchedule([.. delays], jitter);
        return true;
    }

    private static bool TryParseDelay(string part, out TimeSpan delay)
    {
        delay = default;
        var unitLength = part.EndsWith("ms", StringComparison.Ordinal) ? 2 : 1;
        if (part.Length <= unitLength || !double.TryParse(part[..^unitLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value < 0 || value > 1e6)
        {
            return false;
        }
        TimeSpan? parsed = part[^unitLength..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            "d" => TimeSpan.FromDays(value),
            _ => null,
        };
        if (parsed is not { } d || d > TimeSpan.FromDays(30))
        {
            return false;
        }
        delay = d;
        return true;
    }
}
