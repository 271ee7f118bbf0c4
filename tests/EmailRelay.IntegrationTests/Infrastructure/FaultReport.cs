using System.Globalization;
using Xunit.Abstractions;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// The fault matrix as a table in <c>fault-matrix.report</c> (scripts/test.sh prints every report),
/// one row per fault. A rerun replaces its fault's row, so the file never holds two runs of one fault.
/// </summary>
public static class FaultReport
{
    public const string Header =
        "| fault | accepted | lost | duplicates | ambiguous | seconds to final | not accepted | notes |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---|";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string Path => System.IO.Path.Combine(TestSettings.ResultsDirectory, "fault-matrix.report");

    public static string Row(FaultMeasurement m) => string.Create(CultureInfo.InvariantCulture,
        $"| {m.Fault} | {m.Accepted} | {m.Lost} | {m.Duplicates} | {m.Ambiguous} | " +
        $"{(m.SecondsToFinal is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "never")} | {m.NotAccepted} | {m.Notes} |");

    /// <summary>Writes the row to the report file and the test output.</summary>
    public static async Task WriteAsync(FaultMeasurement measurement, ITestOutputHelper output)
    {
        var row = Row(measurement);
        output.WriteLine(Header);
        output.WriteLine(row);
        await Gate.WaitAsync();
        try
        {
            Directory.CreateDirectory(TestSettings.ResultsDirectory);
            var rows = File.Exists(Path)
                ? (await File.ReadAllLinesAsync(Path)).Skip(2).Where(r => !r.StartsWith($"| {measurement.Fault} |", StringComparison.Ordinal))
                : [];
            await File.WriteAllLinesAsync(Path, [Header, .. rows, row]);
        }
        finally
        {
            Gate.Release();
        }
    }
}
