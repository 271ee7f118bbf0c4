namespace EmailRelay.Classification;

/// <summary>The lower-case names RFC 3464 uses for <see cref="DsnAction"/>, in both directions.</summary>
public static class DsnActionNames
{
    public static string ToFieldValue(this DsnAction action) => action switch
    {
        DsnAction.Failed => "failed",
        DsnAction.Delayed => "delayed",
        DsnAction.Delivered => "delivered",
        DsnAction.Relayed => "relayed",
        DsnAction.Expanded => "expanded",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not a defined DSN action."),
    };

    /// <summary>
    /// Reads an Action field value. Lenient where real MTAs are sloppy: case, surrounding blanks and
    /// a trailing comment ("failed (bad destination mailbox address)") are ignored.
    /// </summary>
    public static bool TryParse(string? value, out DsnAction action)
    {
        var word = value.AsSpan().Trim();
        var end = word.IndexOfAny(" \t(;");
        if (end >= 0)
        {
            word = word[..end];
        }

        foreach (var candidate in Enum.GetValues<DsnAction>())
        {
            if (word.Equals(candidate.ToFieldValue(), StringComparison.OrdinalIgnoreCase))
            {
                action = candidate;
                return true;
            }
        }

        action = DsnAction.Failed;
        return false;
    }
}
