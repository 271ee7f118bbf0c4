namespace EmailRelay.Classification;

/// <summary>
/// The pattern column of an enhanced-code rule: three dot-separated parts, each "*", a number,
/// or an inclusive range "lo-hi" (e.g. "*.1.1", "5.7.606-649"). Ranges exist because providers
/// assign whole blocks of detail codes to one cause.
/// </summary>
internal readonly record struct EnhancedCodePattern(PartRange Class, PartRange Subject, PartRange Detail)
{
    public bool Matches(EnhancedStatusCode code) =>
        Class.Contains(code.Class) && Subject.Contains(code.Subject) && Detail.Contains(code.Detail);

    public static bool TryParse(string text, out EnhancedCodePattern pattern, out string error)
    {
        pattern = default;
        var parts = text.Split('.');
        if (parts.Length != 3)
        {
            error = $"enhanced pattern '{text}' must have three parts (class.subject.detail)";
            return false;
        }

        if (!PartRange.TryParse(parts[0], out var cls) || !PartRange.TryParse(parts[1], out var subject)
            || !PartRange.TryParse(parts[2], out var detail))
        {
            error = $"enhanced pattern '{text}': each part must be '*', a number of 1-3 digits or a range lo-hi";
            return false;
        }

        if (!cls.IsAny && (cls.Low != cls.High || cls.Low is not (2 or 4 or 5)))
        {
            error = $"enhanced pattern '{text}': the class must be '*', 2, 4 or 5";
            return false;
        }

        pattern = new EnhancedCodePattern(cls, subject, detail);
        error = string.Empty;
        return true;
    }
}

/// <summary>One part of an <see cref="EnhancedCodePattern"/>: any value, or Low..High inclusive.</summary>
internal readonly record struct PartRange(int Low, int High)
{
    private static readonly PartRange Any = new(0, int.MaxValue);

    public bool IsAny => this == Any;

    public bool Contains(int value) => value >= Low && value <= High;

    public static bool TryParse(string text, out PartRange range)
    {
        range = default;
        if (text == "*")
        {
            range = Any;
            return true;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            if (!TryNumber(text, out var single))
            {
                return false;
            }

            range = new PartRange(single, single);
            return true;
        }

        if (!TryNumber(text[..dash], out var low) || !TryNumber(text[(dash + 1)..], out var high) || low > high)
        {
            return false;
        }

        range = new PartRange(low, high);
        return true;
    }

    private static bool TryNumber(string text, out int value)
    {
        value = 0;
        if (text.Length is < 1 or > 3)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
