using System.Text.RegularExpressions;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// The vendor-text table (vendor-text-formats.tsv, embedded): how notifications written in an
/// MTA's own words mark themselves, end, say "delayed", and name their recipients.
/// Loaded strictly: a bad row is a build-time mistake and fails with its line number.
/// </summary>
internal sealed class VendorTextFormats
{
    private const string ResourceSuffix = "vendor-text-formats.tsv";
    private const string AddressMacro = "{addr}";

    // Linear-time matching whatever the line: notification text is written by strangers.
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static readonly Lazy<VendorTextFormats> LazyDefault = new(LoadDefault);

    private VendorTextFormats(string version, List<VendorTextRow> rows)
    {
        Version = version;
        Rows = rows;
    }

    public static VendorTextFormats Default => LazyDefault.Value;

    public string Version { get; }

    public IReadOnlyList<VendorTextRow> Rows { get; }

    public static VendorTextFormats Parse(TextReader reader)
    {
        string? version = null;
        List<VendorTextRow> rows = [];
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed[0] == '#')
            {
                const string VersionPrefix = "# version:";
                if (trimmed.StartsWith(VersionPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    version = trimmed[VersionPrefix.Length..].Trim();
                }

                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != 3)
            {
                throw new FormatException($"vendor-text-formats line {lineNumber}: expected 3 tab-separated columns (family, kind, pattern), found {fields.Length}");
            }

            if (fields[0].Trim() == "family")
            {
                continue;
            }

            var kind = fields[1].Trim() switch
            {
                "marker" => VendorTextRowKind.Marker,
                "start" => VendorTextRowKind.Start,
                "end" => VendorTextRowKind.End,
                "delayed" => VendorTextRowKind.Delayed,
                "recipient" => VendorTextRowKind.Recipient,
                "verdict" => VendorTextRowKind.Verdict,
                "meaning" => VendorTextRowKind.Meaning,
                var other => throw new FormatException($"vendor-text-formats line {lineNumber}: unknown kind '{other}'"),
            };

            var pattern = fields[2].Trim().Replace(AddressMacro, AddressText.Pattern, StringComparison.Ordinal);
            if (kind == VendorTextRowKind.Meaning)
            {
                // Not a pattern: the words the family's notices mean, for the classifier to read.
                rows.Add(new VendorTextRow(fields[0].Trim(), kind, null, fields[2].Trim(), lineNumber));
                continue;
            }

            Regex regex;
            try
            {
                regex = new Regex(pattern, Options);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                throw new FormatException($"vendor-text-formats line {lineNumber}: invalid pattern: {ex.Message}", ex);
            }

            if (kind is VendorTextRowKind.Recipient or VendorTextRowKind.Verdict && Array.IndexOf(regex.GetGroupNames(), "rcpt") < 0)
            {
                throw new FormatException($"vendor-text-formats line {lineNumber}: a recipient row needs a (?<rcpt>…) group");
            }

            rows.Add(new VendorTextRow(fields[0].Trim(), kind, regex, null, lineNumber));
        }

        return new VendorTextFormats(version ?? throw new FormatException("vendor-text-formats: missing '# version:' line"), rows);
    }

    private static VendorTextFormats LoadDefault()
    {
        var assembly = typeof(VendorTextFormats).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(ResourceSuffix, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}
