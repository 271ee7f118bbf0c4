using System.Globalization;

namespace EmailRelay.Api.Domains;

/// <summary>
/// DKIM selectors: <c>er</c> + the year and month the key was made + 4 random base32 characters
/// (<c>er202611k3qz</c>). The date tells an operator at a glance how old a published key is; the
/// random part keeps two keys made in the same month (a rotation, another project) apart.
/// </summary>
public static class DkimSelector
{
    public const string Prefix = "er";
    public const int RandomLength = 4;

    public static string New(DateTimeOffset now) =>
        Prefix + now.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture) + Base32Text.Random(RandomLength);

    /// <summary>The DNS name of the selector's key record (RFC 6376 §3.6.2.1).</summary>
    public static string RecordName(string selector, string domain) => $"{selector}._domainkey.{domain}";
}
