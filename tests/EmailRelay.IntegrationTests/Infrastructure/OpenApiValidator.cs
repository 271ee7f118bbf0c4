using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// Runs tests/openapi/validate.mjs (@apidevtools/swagger-parser, installed by `npm ci` in
/// scripts/test.sh) on a document. A missing node or package fails the test: it never passes unchecked.
/// </summary>
public static class OpenApiValidator
{
    public sealed record Verdict(bool Valid, string? OpenApi, int Operations, string? Error, string Output);

    private static string PackageDirectory => Path.Combine(TestSettings.RepositoryRoot, "tests", "openapi");

    public static async Task<Verdict> ValidateAsync(string documentJson)
    {
        var parser = Path.Combine(PackageDirectory, "node_modules", "@apidevtools", "swagger-parser", "package.json");
        Assert.True(File.Exists(parser),
            $"{parser} is missing: run `npm ci --prefix tests/openapi` (scripts/test.sh does) before the integration tests.");

        var file = Path.Combine(Path.GetTempPath(), $"emailrelay-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, documentJson);
        try
        {
            var info = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = PackageDirectory,
            };
            info.ArgumentList.Add("validate.mjs");
            info.ArgumentList.Add(file);
            Process process;
            try
            {
                process = Process.Start(info)!;
            }
            catch (Win32Exception ex)
            {
                Assert.Fail($"node could not be started ({ex.Message}): Node.js 20.19+ must be on PATH to validate the OpenAPI document.");
                throw;
            }
            using (process)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                var output = (await stdout).Trim();
                var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
                Assert.True(line is not null, $"validate.mjs printed no verdict (exit {process.ExitCode}): {output}\n{await stderr}");
                var verdict = JsonDocument.Parse(line).RootElement;
                var valid = verdict.GetProperty("valid").GetBoolean();
                // The exit code and the printed verdict must agree, or the script itself is broken.
                Assert.Equal(valid, process.ExitCode == 0);
                return new Verdict(valid,
                    verdict.TryGetProperty("openapi", out var version) ? version.GetString() : null,
                    verdict.TryGetProperty("operations", out var count) ? count.GetInt32() : 0,
                    verdict.TryGetProperty("error", out var error) ? error.GetString() : null,
                    output);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
