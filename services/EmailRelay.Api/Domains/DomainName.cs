using System.Globalization;
using System.Net;
using System.Text;

namespace EmailRelay.Api.Domains;

/// <summary>
/// A sending domain's name as it is stored and compared: lower-case, an IDN as its A-label
/// (punycode), without the root's trailing dot. The same rule normalises a sending domain when it
/// is added and the domain of a <c>from</c> address when an email is accepted, so the two match
/// exactly or not at all.
/// </summary>
public static class DomainName
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    /// <summary>Anything longer cannot become a name of at most 253 octets; it is refused before any IDN work.</summary>
    private const int MaxInputLength = 1024;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>The stored form of <paramref name="value"/>, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static string? Normalize(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "name is required: the domain to send from, e.g. acme.example.";
            return null;
        }
        var name = value.Trim();
        if (name.Length > MaxInputLength || name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || HasLoneSurrogate(name))
        {
            error = $"name is a domain name of at most {MaxLength} characters, without spaces or control characters.";
            return null;
        }
        if (IsAddressLiteral(name))
        {
            error = "name is a domain name, not an IP address: mail is sent from a domain that DNS can vouch for.";
            return null;
        }
        // The ideographic and full-width full stops separate labels too (RFC 3490 §3.1), as IdnMapping reads them.
        name = name.Replace('\u3002', '.').Replace('\uFF0E', '.').Replace('\uFF61', '.');
        if (!HasOnlyNameCharacters(name))
        {
            error = $"'{Shorten(value)}' is not a valid domain name: an internationalised label holds letters, digits and combining marks only.";
            return null;
        }
        // One trailing dot is the absolute form of the same name (acme.example. = acme.example).
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }
        string ascii;
        try
        {
            // Lower-cased first: invariant globalization mode maps no case inside the IDN conversion,
            // and "Bücher" and "bücher" must become the same A-label. Case mapping is full Unicode there.
            ascii = Idn.GetAscii(Compose(name.ToLowerInvariant())).ToLowerInvariant();
            // An A-label given as such must decode: "xn--" followed by garbage is no name.
            Idn.GetUnicode(ascii);
        }
        catch (ArgumentException)
        {
            error = $"'{Shorten(value)}' is not a valid domain name: labels of letters, digits and hyphens (or an internationalised name), " +
                $"separated by dots, each at most {MaxLabelLength} characters and at most {MaxLength} in all in the ASCII (punycode) form.";
            return null;
        }
        error = CheckLabels(ascii);
        return error is null ? ascii : null;
    }

    /// <summary>The RFC 1035/1123 shape of an A-label name, checked on the result whatever IdnMapping let through.</summary>
    private static string? CheckLabels(string ascii)
    {
        if (ascii.Length > MaxLength)
        {
            return $"name is at most {MaxLength} characters in its ASCII (punycode) form; this one has {ascii.Length}.";
        }
        var labels = ascii.Split('.');
        if (labels.Length < 2)
        {
            return "name needs at least two labels (acme.example): a top-level domain alone is not a sending domain.";
        }
        foreach (var label in labels)
        {
            if (label.Length is 0 or > MaxLabelLength)
            {
                return $"Each label of name (between dots) has 1 to {MaxLabelLength} characters.";
            }
            if (label[0] == '-' || label[^1] == '-' || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return "Each label of name holds letters, digits and inner hyphens only.";
            }
        }
        // RFC 3696 §2: a top-level domain is never all-numeric, so "1.2.3.4"-like names are no domain.
        if (labels[^1].All(char.IsAsciiDigit))
        {
            return "name's last label is all digits: that is an address, not a domain name.";
        }
        return null;
    }

    private static bool IsAddressLiteral(string name) =>
        name.StartsWith('[') || IPAddress.TryParse(name.TrimEnd('.'), out _);

    /// <summary>
    /// Outside ASCII, what IDNA2008 lets into a label at all: letters, combining marks and digits.
    /// In invariant globalization mode (this repository's setting) IdnMapping only punycodes, so a
    /// symbol or U+FFFD would otherwise become an A-label no registry would ever issue.
    /// </summary>
    private static bool HasOnlyNameCharacters(string name)
    {
        foreach (var rune in name.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                // ASCII is held to the letters-digits-hyphen rule on the A-label, below.
                continue;
            }
            if (Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.LowercaseLetter or UnicodeCategory.UppercaseLetter
                or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// NFC, so a precomposed and a decomposed "ü" are the same name. Invariant globalization mode has
    /// no normalisation data and leaves the text as it is: the name is then taken in the form given,
    /// which is NFC from every keyboard and DNS console (and the A-label form is always accepted).
    /// </summary>
    private static string Compose(string name)
    {
        try
        {
            return name.Normalize(NormalizationForm.FormC);
        }
        catch (PlatformNotSupportedException)
        {
            return name;
        }
    }

    /// <summary>A lone surrogate cannot be encoded at all; a proper pair is an ordinary (if unusual) character.</summary>
    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..77] + "...";
}
