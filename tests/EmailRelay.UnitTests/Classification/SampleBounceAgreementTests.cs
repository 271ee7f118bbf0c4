using EmailRelay.Classification;
using Xunit.Abstractions;

namespace EmailRelay.UnitTests.Classification;

/// <summary>
/// Checks the code-only mapping against the reasons in the sample corpus's bounces/expected.tsv
/// (<see cref="TestDataLocator"/>: <c>$EMAILRELAY_TESTDATA</c>, else <c>../shared/testdata</c>; skipped without it).
/// Only rows whose status code is real (not made up by the tool that labelled the corpus) and
/// decisive on its own (an "enhanced" rule, not a "generic" one) are compared. Some labels in the
/// corpus come from the message text and contradict the code (a 5.1.1 labelled mailbox_full);
/// the table is not bent to fit those, so the test asserts a high agreement rate, not 100%.
/// </summary>
public sealed class SampleBounceAgreementTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> NotBounces = ["feedback", "vacation", "delivered"];

    [SkippableFact]
    public void Code_only_reasons_agree_with_the_sample_bounces()
    {
        var testData = TestDataLocator.Find(out var missing);
        Skip.If(testData is null, missing);
        var lines = File.ReadAllLines(Path.Combine(testData, "bounces", "expected.tsv"));
        var header = lines[0].Split('\t');
        int Col(string name) => Array.IndexOf(header, name);
        var (reasonCol, statusCol, replyCol, internalCol) = (Col("reason"), Col("status"), Col("reply_code"), Col("status_is_internal"));

        var classifier = ReplyClassifier.Default;
        int compared = 0, agreed = 0;
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split('\t');
            var (expected, status) = (f[reasonCol], f[statusCol]);
            if (status.Length == 0 || f[internalCol] != "false" || NotBounces.Contains(expected) || !classifier.IsDecisiveCode(status))
            {
                continue;
            }

            int? reply = int.TryParse(f[replyCol], out var r) ? r : null;
            var actual = classifier.ReasonFor(reply, status, "").ToSnakeCase();
            compared++;
            if (actual == expected)
            {
                agreed++;
            }
            else
            {
                output.WriteLine($"differs: {f[0]} status {status} reply {f[replyCol]}: corpus {expected}, code alone {actual}");
            }
        }

        output.WriteLine($"agreement: {agreed}/{compared}");
        Assert.True(compared >= 50, $"only {compared} comparable rows");
        Assert.True(agreed >= compared * 0.85, $"agreement {agreed}/{compared} below 85%");
    }
}
