using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// Runs tests/webhooks-verify/verify.mjs: the standardwebhooks npm package's <c>Webhook.verify</c>
/// (installed by `npm ci` in scripts/test.sh) on webhooks the receiver captured. A missing node or
/// package fails the test: it never passes unchecked.
/// </summary>
public static class StandardWebhooksVerifier
{
    public sealed record Case(string Name, string Secret, ReceivedWebhook Webhook);

    public sealed record Verdict(string Name, bool Valid, string? Error);

    private static string PackageDirectory => Path.Combine(TestSettings.RepositoryRoot, "tests", "webhooks-verify");

    public static async Task<IReadOnlyList<Verdict>> VerifyAsync(IEnumerable<Case> cases)
    {
        var package = Path.Combine(PackageDirectory, "node_modules", "standardwebhooks", "package.json");
        Assert.True(File.Exists(package),
            $"{package} is missing: run `npm ci --prefix tests/webhooks-verify` (scripts/test.sh does) before the integration tests.");
        var input = JsonSerializer.Serialize(cases.Select(c => new
        {
            name = c.Name,
            secret = c.Secret,
            headers = new Dictionary<string, string>
            {
                ["webhook-id"] = c.Webhook.Header("webhook-id"),
                ["webhook-timestamp"] = c.Webhook.Header("webhook-timestamp"),
                ["webhook-signature"] = c.Webhook.Header("webhook-signature"),
            },
            body = c.Webhook.BodyText,
        }));
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = PackageDirectory,
        };
        info.ArgumentList.Add("verify.mjs");
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"node could not be started ({ex.Message}): Node.js 20.19+ must be on PATH to verify webhooks.");
            throw;
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var verdicts = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.TryGetProperty("name", out _))
                .Select(l => new Verdict(l.GetProperty("name").GetString()!, l.GetProperty("valid").GetBoolean(),
                    l.TryGetProperty("error", out var error) ? error.GetString() : null))
                .ToList();
            Assert.True(lines.Length > 0, $"verify.mjs printed nothing (exit {process.ExitCode}): {await stderr}");
            // The exit code and the verdicts must agree, or the script itself is broken.
            Assert.Equal(verdicts.All(v => v.Valid), process.ExitCode == 0);
            return verdicts;
        }
    }
}
