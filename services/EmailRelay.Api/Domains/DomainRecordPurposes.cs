namespace EmailRelay.Api.Domains;

/// <summary>What a DNS record to publish is for (API.md §Sending domains).</summary>
public static class DomainRecordPurposes
{
    public const string Verification = "verification";
    public const string Dkim = "dkim";
    public const string Spf = "spf";
    public const string ReturnPath = "return_path";
}
