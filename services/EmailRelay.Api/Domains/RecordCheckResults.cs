namespace EmailRelay.Api.Domains;

/// <summary>What a record's check came to.</summary>
public static class RecordCheckResults
{
    /// <summary>A record with the expected value is published.</summary>
    public const string Found = "found";

    /// <summary>The name does not exist or has no record of the type: publish it.</summary>
    public const string NotFound = "not_found";

    /// <summary>Records of the type exist, but none with the expected value: correct it.</summary>
    public const string WrongValue = "wrong_value";

    /// <summary>SERVFAIL, a timeout or no server reachable: nothing is known; verify again later.</summary>
    public const string LookupFailed = "lookup_failed";
}
