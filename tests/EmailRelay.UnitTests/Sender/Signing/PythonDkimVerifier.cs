using System.Diagnostics;

namespace EmailRelay.UnitTests.Sender.Signing;

/// <summary>
/// Runs tests/dkim-verify/verify.py (Debian's python3-dkim) on a message: the verdict of an
/// implementation we did not write.
/// </summary>
public static class PythonDkimVerifier
{
    public static async Task<(int ExitCode, string Output)> VerifyAsync(byte[] message, string keyName, string keyRecord)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "dkim-verify", "verify.py");
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { script, "--txt", keyName, keyRecord, "-" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(message);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"{(await stdout).Trim()}\n{await stderr}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EmailRelay.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("EmailRelay.sln not found above " + AppContext.BaseDirectory);
    }
}
