namespace EmailRelay.Sender.Limits;

/// <summary>
/// One entry of an override's <c>Match</c>: a host or domain name, or <c>*.name</c> for the names
/// under it — the same form as <c>Delivery__Routes__*__Domains</c>.
/// </summary>
public sealed record DestinationPattern(string Text)
{
    private bool IsWildcard => Text.StartsWith("*.", StringComparison.Ordinal);

    /// <summary>
    /// How well this pattern fits <paramref name="name"/> (lower-case, no trailing dot): -1 for no
    /// match; an exact name beats any wildcard, and a longer wildcard beats a shorter one.
    /// </summary>
    public int Specificity(string name)
    {
        if (!IsWildcard)
        {
            return string.Equals(Text, name, StringComparison.Ordinal) ? int.MaxValue : -1;
        }
        // "*.example.com" covers "mx.example.com", not "example.com" nor "badexample.com".
        var suffix = Text.AsSpan(1);
        return name.Length > suffix.Length && name.AsSpan().EndsWith(suffix, StringComparison.Ordinal) ? suffix.Length : -1;
    }

    /// <summary>Lower-cases a name and drops a trailing dot, the form patterns and names are compared in.</summary>
    public static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    public static bool TryParseList(string? text, out IReadOnlyList<DestinationPattern> patterns, out string? error)
    {
        var list = new List<DestinationPattern>();
        patterns = list;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; give host or domain names, comma-separated, '*.example.com' for subdomains.";
            return false;
        }
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = Normalize(raw);
            var name = entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry;
            if (!IsHostName(name))
            {
                error = $"'{raw}' is not a host or domain name (or '*.' and one).";
                return false;
            }
            list.Add(new DestinationPattern(entry));
        }
        if (list.Count == 0)
        {
            error = "names no host or domain.";
            return false;
        }
        return true;
    }

    // Letters, digits and hyphens in dot-separated labels (IDNs as their A-label), as DNS names are.
    private static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253
        && name.Split('.').All(label => label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')
            && label[0] != '-' && label[^1] != '-');
}
