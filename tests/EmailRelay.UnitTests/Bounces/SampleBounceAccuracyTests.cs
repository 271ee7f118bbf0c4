using EmailRelay.Tracking.Bounces.Parsing;
using EmailRelay.UnitTests.Classification;
using Xunit.Abstractions;

namespace EmailRelay.UnitTests.Bounces;

/// <summary>
/// Runs the bounce parser over the real bounces of the sample corpus (bounces/*.eml, located by
/// <see cref="TestDataLocator"/>; skipped without it) and compares each recipient with
/// bounces/expected.tsv, row by row (file and recipient index). The labels come from another tool
/// and some follow its provider-specific knowledge rather than the message, so the test asserts
/// agreement rates, prints them with a confusion table of reasons, and lists every row that differs.
/// </summary>
public sealed class SampleBounceAccuracyTests(ITestOutputHelper output)
{
    private const double MinStatusAgreement = 0.95;
    private const double MinHardAgreement = 0.90;
    private const double MinReasonAgreement = 0.85;

    [SkippableFact]
    public async Task Parsed_status_hardness_and_reason_agree_with_the_sample_labels()
    {
        var testData = TestDataLocator.Find(out var missing);
        Skip.If(testData is null, missing);
        var folder = Path.Combine(testData, "bounces");
        var rows = ExpectedRow.ReadAll(Path.Combine(folder, "expected.tsv"));
        Assert.NotEmpty(rows);

        var reports = new Dictionary<string, BounceReport>(StringComparer.Ordinal);
        foreach (var file in rows.Select(r => r.File).Distinct())
        {
            await using var stream = File.OpenRead(Path.Combine(folder, file));
            reports[file] = await BounceParser.Default.ParseAsync(stream, CancellationToken.None);
        }

        var status = new Tally();
        var hard = new Tally();
        var reason = new Tally();
        var confusion = new Dictionary<(string Expected, string Got), int>();
        var differences = new List<string>();
        foreach (var row in rows)
        {
            var recipients = reports[row.File].Recipients;
            var got = row.Index <= recipients.Count ? recipients[row.Index - 1] : null;
            var gotReason = got?.ReasonName ?? "(none)";
            var gotHard = got?.Hard is { } h ? (h ? "true" : "false") : "";
            var notes = new List<string>();

            if (row.Status.Length > 0 && !row.StatusIsInternal && !status.Count(got?.Status == row.Status))
            {
                notes.Add($"status {row.Status} got {got?.Status ?? "(none)"}");
            }

            if (row.Hard.Length > 0 && !hard.Count(gotHard == row.Hard))
            {
                notes.Add($"hard {row.Hard} got {(gotHard.Length == 0 ? "(none)" : gotHard)}");
            }

            if (!reason.Count(gotReason == row.Reason))
            {
                notes.Add($"reason {row.Reason} got {gotReason}");
                var key = (row.Reason, gotReason);
                confusion[key] = confusion.GetValueOrDefault(key) + 1;
            }

            if (notes.Count > 0)
            {
                differences.Add($"  {row.File}#{row.Index} [{row.Format} / {reports[row.File].Format.ToWireName()}] {got?.Address ?? "(no recipient)"}: {string.Join("; ", notes)}");
            }
        }

        output.WriteLine($"status  {status}   (rows whose code is in the message)");
        output.WriteLine($"hard    {hard}   (rows with a value)");
        output.WriteLine($"reason  {reason}   (all rows)");
        output.WriteLine("");
        output.WriteLine("reasons that differ (expected -> got: rows):");
        foreach (var ((expected, got), count) in confusion.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Expected, StringComparer.Ordinal))
        {
            output.WriteLine($"  {expected,-18} -> {got,-18} {count}");
        }

        output.WriteLine("");
        output.WriteLine($"rows that differ ({differences.Count}):");
        differences.ForEach(output.WriteLine);

        Assert.True(status.Rate >= MinStatusAgreement, $"status agreement {status} is below {MinStatusAgreement:P0}");
        Assert.True(hard.Rate >= MinHardAgreement, $"hard/soft agreement {hard} is below {MinHardAgreement:P0}");
        Assert.True(reason.Rate >= MinReasonAgreement, $"reason agreement {reason} is below {MinReasonAgreement:P0}");
    }

    private sealed class Tally
    {
        private int agreed;
        private int compared;

        public double Rate => compared == 0 ? 0 : (double)agreed / compared;

        /// <returns>Whether this row agreed, so a caller can note a difference.</returns>
        public bool Count(bool agrees)
        {
            compared++;
            agreed += agrees ? 1 : 0;
            return agrees;
        }

        public override string ToString() => $"{agreed}/{compared} = {Rate:P1}";
    }

    private sealed record ExpectedRow(string File, int Index, string Reason, string Status, string Hard, bool StatusIsInternal, string Format)
    {
        public static List<ExpectedRow> ReadAll(string path)
        {
            var lines = System.IO.File.ReadAllLines(path);
            var header = lines[0].Split('\t');
            int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"expected.tsv has no '{name}' column");
            var (file, index, reason, status, hard, isInternal, format) = (Column("file"), Column("recipient_index"), Column("reason"),
                Column("status"), Column("hard"), Column("status_is_internal"), Column("format"));
            return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).Select(f => new ExpectedRow(
                f[file], int.Parse(f[index], System.Globalization.CultureInfo.InvariantCulture), f[reason], f[status], f[hard], f[isInternal] == "true", f[format]))];
        }
    }
}
