namespace EmailRelay.Api.Domains;

/// <summary>
/// The token a project publishes to prove it controls a domain: 32 base32 characters, 160 random
/// bits, so it can be neither guessed nor copied from another project's record (each project that
/// adds the same domain gets its own).
/// </summary>
public static class VerificationToken
{
    public const int Length = 32;

    /// <summary>The name of the verification record, under the domain so only its owner can publish it.</summary>
    public const string RecordLabel = "_emailrelay";

    public const string ValuePrefix = "emailrelay-verification=";

    public static string New() => Base32Text.Random(Length);

    public static string RecordName(string domain) => $"{RecordLabel}.{domain}";

    public static string RecordValue(string token) => ValuePrefix + token;
}
