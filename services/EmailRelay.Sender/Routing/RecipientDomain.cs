using System.Globalization;

namespace EmailRelay.Sender.Routing;

/// <summary>Recipient domains as compared and looked up: lower-case A-labels (RFC 5890), no trailing dot.</summary>
public static class RecipientDomain
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>The A-label form of <paramref name="domain"/>, or null if it is not a valid host name.</summary>
    public static string? Normalize(string domain)
    {
        var trimmed = domain.Trim().TrimEnd('.');
        if (trimmed.Length == 0)
        {
            return null;
        }
        try
        {
            // Lower-cased first: ICU maps upper-case non-ASCII letters inconsistently across versions.
            return Idn.GetAscii(trimmed.ToLowerInvariant()).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The domain of an address (after the last '@'), normalised; the address itself when it has none.</summary>
    public static string Of(string address)
    {
        var at = address.LastIndexOf('@');
        var domain = at < 0 ? address : address[(at + 1)..];
        // A domain literal ([192.0.2.1]) or anything IDNA refuses keeps its lower-case form: it
        // will fail its lookup and be reported with its own name.
        return Normalize(domain) ?? domain.Trim().ToLowerInvariant();
    }
}
