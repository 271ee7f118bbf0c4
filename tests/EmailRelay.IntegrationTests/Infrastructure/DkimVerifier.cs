using EmailRelay.Tests.DkimVerify;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// DKIM verification by an implementation we did not write: Debian's python3-dkim
/// (<see cref="DkimVerifyScript"/>), which fetches the public key from the test DNS server.
/// Exit 0 valid, 1 invalid, 2 no signature.
/// </summary>
public static class DkimVerifier
{
    public static async Task<(int ExitCode, string Output)> VerifyAsync(byte[] message, TestDnsServer dns)
    {
        var (exitCode, stdout, stderr) = await DkimVerifyScript.RunAsync(TestSettings.RepositoryRoot, message, "--dns", dns.Endpoint);
        return (exitCode, $"{stdout}\n{stderr}\n--- dns\n{dns.Log}");
    }
}
