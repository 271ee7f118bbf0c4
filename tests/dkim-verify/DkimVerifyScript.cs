using System.Diagnostics;

namespace EmailRelay.Tests.DkimVerify;

/// <summary>
/// Runs tests/dkim-verify/verify.py (Debian's python3-dkim, an implementation we did not write) on
/// a message given on standard input. Exit 0 valid, 1 invalid, 2 no signature. Compiled into both
/// test projects (linked from their project files), so there is one launcher.
/// </summary>
public static class DkimVerifyScript
{
    /// <param name="repositoryRoot">Where EmailRelay.sln is.</param>
    /// <param name="keySource">How the script finds the public key: <c>--dns HOST:PORT</c> or <c>--txt NAME RECORD</c>.</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string repositoryRoot, byte[] message, params string[] keySource)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(repositoryRoot, "tests", "dkim-verify", "verify.py"));
        foreach (var argument in keySource)
        {
            start.ArgumentList.Add(argument);
        }
        start.ArgumentList.Add("-");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(message);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout).Trim(), await stderr);
    }
}
