using System.Diagnostics;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// DKIM verification by an implementation we did not write: tests/dkim-verify/verify.py runs
/// Debian's python3-dkim, which fetches the public key from the test DNS server.
/// Exit 0 valid, 1 invalid, 2 no signature.
/// </summary>
public static class DkimVerifier
{
    public static async Task<(int ExitCode, string Output)> VerifyAsync(byte[] message, TestDnsServer dns)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(TestSettings.RepositoryRoot, "tests", "dkim-verify", "verify.py"), "--dns", dns.Endpoint, "-" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(message);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"{(await stdout).Trim()}\n{await stderr}\n--- dns\n{dns.Log}");
    }
}
