using System.Text;
using System.Text.RegularExpressions;
using EmailRelay.Classification;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>
/// Reads a notification written in an MTA's or provider's own words, with the rows of
/// <see cref="VendorTextFormats"/>: finds where the report ends, which families' markers it
/// carries, the lines that name recipients, and for each recipient the lines that explain it.
/// </summary>
internal sealed class VendorTextReader(VendorTextFormats formats)
{
    private const int MaxLineChars = 2000;
    private const int MaxBlockLines = 30;
    private const int MaxLinesAbove = 6;
    private const int MaxDiagnosticChars = 4000;

    public static VendorTextReader Default { get; } = new(VendorTextFormats.Default);

    /// <summary>What the text says; null when it is not a failure notification at all.</summary>
    public sealed record Result(
        IReadOnlyList<string> Families,
        bool Delayed,
        List<RecipientDraft> Recipients,
        string ReportText,
        string? ReturnedCopy);

    /// <param name="text">The notification text.</param>
    /// <param name="looksLikeBounce">The headers say this is a failure notice even if no marker does.</param>
    /// <param name="notRecipients">Addresses on the sender's side (the notice's To, the returned From): never recipients.</param>
    /// <param name="maxRecipients">Stop after this many recipients.</param>
    public Result? Read(string text, bool looksLikeBounce, IReadOnlySet<string> notRecipients, int maxRecipients)
    {
        var lines = SplitLines(text);
        var end = lines.FindIndex(line => Matches(VendorTextRowKind.End, line));
        var reportLines = end < 0 ? lines : lines[..end];

        var families = formats.Rows
            .Where(r => r.Kind == VendorTextRowKind.Marker && reportLines.Exists(line => IsMatch(r.Pattern, line)))
            .Select(r => r.Family)
            .Distinct()
            .ToList();
        if (families.Count == 0 && !looksLikeBounce)
        {
            return null;
        }

        var delayed = reportLines.Exists(line => Matches(VendorTextRowKind.Delayed, line));
        var activeRows = formats.Rows
            .Where(r => families.Contains(r.Family) || r.Family == VendorTextRow.AnyFamily)
            .OrderBy(r => r.Family == VendorTextRow.AnyFamily)
            .ToList();

        // Recipients are listed after a family's start line (a sender named in the preamble is not one).
        var startRows = activeRows.Where(r => r.Kind == VendorTextRowKind.Start).ToList();
        var start = reportLines.FindIndex(line => startRows.Exists(r => r.Pattern.IsMatch(line)));

        var returnedCopy = end < 0 ? null : string.Join('\n', lines.Skip(end + 1));
        var senders = new HashSet<string>(notRecipients, StringComparer.OrdinalIgnoreCase);
        senders.UnionWith(SenderAddresses.Of(returnedCopy is null ? null : ReportParts.LoadHeaders(returnedCopy)));

        var recipientRows = activeRows.Where(r => r.Kind == VendorTextRowKind.Recipient).ToList();
        var hits = FindRecipients(reportLines, start + 1, recipientRows, senders);
        var markerLines = reportLines.Select(line => Matches(VendorTextRowKind.Marker, line)).ToList();
        var drafts = new List<RecipientDraft>();
        for (var i = 0; i < hits.Count && drafts.Count < maxRecipients; i++)
        {
            var hit = hits[i];
            var next = i + 1 < hits.Count ? hits[i + 1].Line : reportLines.Count;
            var previous = i > 0 ? hits[i - 1].Line : start;
            var diagnostic = Diagnostic(reportLines, markerLines, hit, previous, next);
            var existing = drafts.Find(d => string.Equals(d.Address, hit.Address, StringComparison.OrdinalIgnoreCase));
            if (existing is not null)
            {
                // The same recipient named twice (a transcript after a summary, a second language):
                // one recipient whose explanation is both passages.
                existing.Diagnostic = Join(existing.Diagnostic, diagnostic);
                continue;
            }

            drafts.Add(new RecipientDraft
            {
                Address = hit.Address,
                Action = delayed ? DsnAction.Delayed : DsnAction.Failed,
                Diagnostic = diagnostic,
            });
        }

        var reportText = Bound(string.Join('\n', reportLines.Where((_, index) => !markerLines[index])));
        return new Result(families, delayed, drafts, reportText, returnedCopy);
    }

    private readonly record struct Hit(int Line, string Address, string? InlineDiagnostic);

    private static List<Hit> FindRecipients(List<string> lines, int from, List<VendorTextRow> rows, IReadOnlySet<string> notRecipients)
    {
        List<Hit> hits = [];
        for (var i = from; i < lines.Count; i++)
        {
            foreach (var row in rows)
            {
                var match = Match(row.Pattern, lines[i]);
                if (match is null)
                {
                    continue;
                }

                var address = AddressText.Find(match.Groups["rcpt"].Value);
                if (address is null || notRecipients.Contains(address) || address.StartsWith("mailer-daemon@", StringComparison.OrdinalIgnoreCase))
                {
                    // The row saw a sender-side address: the line names no recipient.
                    break;
                }

                var diag = match.Groups["diag"];
                hits.Add(new Hit(i, address, diag.Success && diag.Length > 0 ? diag.Value.Trim() : null));
                break;
            }
        }

        return hits;
    }

    /// <summary>
    /// The lines under a recipient up to the next one; when there are none (formats that give the
    /// reason first), the few lines above it. Marker lines are the notice's own boilerplate.
    /// </summary>
    private static string? Diagnostic(List<string> lines, List<bool> markers, Hit hit, int previous, int next)
    {
        var text = new StringBuilder();
        if (hit.InlineDiagnostic is not null)
        {
            text.Append(hit.InlineDiagnostic).Append('\n');
        }

        var taken = 0;
        for (var i = hit.Line + 1; i < next && taken < MaxBlockLines; i++)
        {
            if (!markers[i] && !string.IsNullOrWhiteSpace(lines[i]))
            {
                text.Append(lines[i].Trim()).Append('\n');
                taken++;
            }
        }

        if (hit.InlineDiagnostic is null && taken == 0)
        {
            var above = new List<string>();
            for (var i = hit.Line - 1; i > previous && above.Count < MaxLinesAbove; i--)
            {
                if (!string.IsNullOrWhiteSpace(lines[i]))
                {
                    above.Insert(0, lines[i].Trim());
                }
            }

            foreach (var line in above)
            {
                text.Append(line).Append('\n');
            }
        }

        return text.Length == 0 ? null : Bound(text.ToString().TrimEnd());
    }

    private bool Matches(VendorTextRowKind kind, string line)
    {
        foreach (var row in formats.Rows)
        {
            if (row.Kind == kind && IsMatch(row.Pattern, line))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsMatch(Regex regex, string line) => regex.IsMatch(line);

    private static Match? Match(Regex regex, string line)
    {
        var match = regex.Match(line);
        return match.Success ? match : null;
    }

    /// <summary>
    /// Lines without trailing blanks, capped in length; a notice forwarded as a quotation
    /// ("&gt; " on most lines) loses one level of quoting.
    /// </summary>
    private static List<string> SplitLines(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Select(line => (line.Length > MaxLineChars ? line[..MaxLineChars] : line).TrimEnd())
            .ToList();
        var nonEmpty = lines.Count(line => line.Length > 0);
        var quoted = lines.Count(line => line.StartsWith('>'));
        if (nonEmpty > 0 && quoted * 10 >= nonEmpty * 6)
        {
            lines = lines.Select(line => line.StartsWith("> ", StringComparison.Ordinal) ? line[2..] : line.StartsWith('>') ? line[1..] : line).ToList();
        }

        return lines;
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : Bound(first + "\n" + second);

    private static string Bound(string text) => text.Length > MaxDiagnosticChars ? text[..MaxDiagnosticChars] : text;
}
