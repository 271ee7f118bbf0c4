using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EmailRelay.IntegrationTests.Submission;

public static partial class SubmissionReply
{
    /// <summary>The email id of a <c>250 2.0.0 Ok: queued as &lt;id&gt;</c> reply found in <paramref name="text"/>.</summary>
    public static Guid QueuedId(string text)
    {
        var match = Queued().Match(text);
        Assert.True(match.Success, $"no '250 2.0.0 Ok: queued as <id>' in: {text}");
        return Guid.Parse(match.Groups[1].Value);
    }

    /// <summary>Runs a real client program and returns its output (stdout then stderr); fails the test if it exits non-zero.</summary>
    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + "\n" + await stderr;
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}:\n{output}");
        return output;
    }

    [GeneratedRegex(@"250[ -]2\.0\.0 Ok: queued as ([0-9a-fA-F-]{36})")]
    private static partial Regex Queued();
}
