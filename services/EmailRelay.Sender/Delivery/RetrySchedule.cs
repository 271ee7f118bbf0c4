using System.Globalization;

namespace EmailRelay.Sender.Delivery;

/// <summary>
/// Delays between delivery attempts: "1m,5m,15m" style, units s/m/h/d; after the list the last
/// delay repeats. Jitter spreads a burst of deferrals so their retries don't land together.
/// </summary>
public sealed class RetrySchedule
{
    private readonly TimeSpan[] _delays;
    private readonly double _jitter;

    public RetrySchedule(IReadOnlyList<TimeSpan> delays, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfZero(delays.Count);
        _delays = [.. delays];
        _jitter = jitter;
    }

    public IReadOnlyList<TimeSpan> Delays => _delays;

    /// <summary>The delay after the attempt numbered <paramref name="attempt"/> (1-based) was deferred.</summary>
    public TimeSpan DelayAfter(int attempt, double random01)
    {
        var delay = _delays[Math.Clamp(attempt - 1, 0, _delays.Length - 1)];
        return delay + TimeSpan.FromTicks((long)(delay.Ticks * _jitter * random01));
    }

    public static RetrySchedule Parse(string text, double jitter) =>
        TryParse(text, out var delays, out var error) ? new RetrySchedule(delays, jitter) : throw new FormatException(error);

    public static bool TryParse(string text, out IReadOnlyList<TimeSpan> delays, out string? error)
    {
        var parsed = new List<TimeSpan>();
        delays = parsed;
        error = null;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Length < 2 || !double.TryParse(part[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value) || value <= 0 || value > 1e6)
            {
                error = $"'{part}' is not a delay such as 30s, 5m, 2h or 1d (at most 1000000 of a unit).";
                return false;
            }
            TimeSpan? delay = part[^1] switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => null,
            };
            if (delay is null)
            {
                error = $"'{part}' needs a unit: s, m, h or d.";
                return false;
            }
            parsed.Add(delay.Value);
        }
        if (parsed.Count == 0)
        {
            error = "at least one delay is required.";
            return false;
        }
        return true;
    }
}
