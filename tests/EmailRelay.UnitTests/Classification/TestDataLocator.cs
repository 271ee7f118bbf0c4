using System.Runtime.CompilerServices;

namespace EmailRelay.UnitTests.Classification;

/// <summary>
/// Finds the project-level shared/testdata folder. It sits either inside the repository root or
/// beside it (CI clones the repo with shared/ next to it), so walk up from both the test binaries
/// and this source file and accept either layout. Never a hard-coded absolute path.
/// </summary>
internal static class TestDataLocator
{
    public static string? FindSharedTestData([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var inside = Path.Combine(dir.FullName, "shared", "testdata");
                if (Directory.Exists(inside))
                {
                    return inside;
                }

                if (File.Exists(Path.Combine(dir.FullName, "EmailRelay.sln")) && dir.Parent is not null)
                {
                    var beside = Path.Combine(dir.Parent.FullName, "shared", "testdata");
                    if (Directory.Exists(beside))
                    {
                        return beside;
                    }
                }
            }
        }

        return null;
    }
}
