using EmailRelay.Tests.DkimVerify;

namespace EmailRelay.UnitTests.Sender.Signing;

/// <summary>
/// Debian's python3-dkim on a message (<see cref="DkimVerifyScript"/>), with the key record given:
/// the verdict of an implementation we did not write.
/// </summary>
public static class PythonDkimVerifier
{
    public static async Task<(int ExitCode, string Output)> VerifyAsync(byte[] message, string keyName, string keyRecord)
    {
        var (exitCode, stdout, stderr) = await DkimVerifyScript.RunAsync(RepositoryRoot(), message, "--txt", keyName, keyRecord);
        return (exitCode, $"{stdout}\n{stderr}");
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
