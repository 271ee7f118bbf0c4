using System.Globalization;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>The Retry-After field (RFC 9110 §10.2.3): a number of seconds, or an HTTP date.</summary>
public static class RetryAfter
{
    /// <returns>How long from <paramref name="now"/> the receiver asks to wait (zero for a date in the past); null if absent or malformed.</returns>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        value = value.Trim();
        if (value.All(char.IsAsciiDigit))
        {
            // Any number of digits: a huge one means "a long time", which the caller caps.
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= TimeSpan.MaxValue.TotalSeconds / 2
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.MaxValue;
        }
        // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), which "r" parses; the obsolete forms are accepted too.
        if (DateTimeOffset.TryParseExact(value, ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy"], CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces, out var date))
        {
            return date > now ? date - now : TimeSpan.Zero;
        }
        return null;
    }
}
