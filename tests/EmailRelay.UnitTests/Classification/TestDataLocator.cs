namespace EmailRelay.UnitTests.Classification;

/// <summary>
/// Finds the sample corpus that lives outside the repository (real bounces we may not publish with
/// the code). It is read from <c>$EMAILRELAY_TESTDATA</c>, else from <c>../shared/testdata</c> beside
/// the repository root, the project layout CI uses. A clone on its own has neither: the tests that
/// need the corpus then skip with the reason, so a fresh clone's run stays green and says what it
/// did not check.
/// </summary>
internal static class TestDataLocator
{
    public const string Variable = "EMAILRELAY_TESTDATA";

    /// <returns>The corpus folder, or null with <paramref name="missing"/> saying where it was looked for.</returns>
    public static string? Find(out string missing)
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var path = Path.GetFullPath(configured);
            missing = $"{Variable}={configured} is not a directory";
            return Directory.Exists(path) ? path : null;
        }

        var root = RepositoryRoot();
        var beside = root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "testdata"));
        missing = $"sample corpus not found: {Variable} is not set and {beside ?? "../shared/testdata"} does not exist";
        return beside is not null && Directory.Exists(beside) ? beside : null;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EmailRelay.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
