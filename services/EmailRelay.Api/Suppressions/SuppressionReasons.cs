namespace EmailRelay.Api.Suppressions;

/// <summary>Why an address is suppressed (migration 0006's CHECK); only <see cref="Manual"/> is created through the API.</summary>
public static class SuppressionReasons
{
    public const string HardBounce = "hard_bounce";
    public const string Complaint = "complaint";
    public const string Manual = "manual";

    public static readonly string[] All = [HardBounce, Complaint, Manual];
}
