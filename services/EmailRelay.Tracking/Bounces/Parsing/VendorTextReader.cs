using System.Text;
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
    private const int MaxLines = 5000;
    private const int MaxBlockLines = 30;
    private const int MaxLinesAbove = 6;
    private const int MaxDiagnosticChars = 4000;

    public static VendorTextReader Default { get; } = new(VendorTextFormats.Default);

    /// <summary>What the text says; see <see cref="Read"/>.</summary>
    /// <param name="Families">The families whose markers the text carries.</param>
    /// <param name="Delayed">The notice is a delay warning.</param>
    /// <param name="Recipients">One draft per recipient named, in text order.</param>
    /// <param name="ReportText">The notice up to where it ends, for recipients the text does not name.</param>
    /// <param name="Summary">The notice's own statements (its marker lines), which may say why for every recipient.</param>
    /// <param name="Meaning">What the family's notices mean when their words cannot be read (a meaning row).</param>
    /// <param name="ReturnedCopy">The text after the end: usually the returned message's headers.</param>
    public sealed record Result(
        IReadOnlyList<string> Families,
        bool Delayed,
        List<RecipientDraft> Recipients,
        string ReportText,
        string Summary,
        string? Meaning,
        string? ReturnedCopy);

    /// <summary>Addresses on the sender's side that notices mention.</summary>
    /// <param name="Authors">The returned message's author and envelope sender: never recipients.</param>
    /// <param name="Addressees">The notice's own To (the original envelope sender): a recipient only when the notice names no other.</param>
    public sealed record Senders(IReadOnlySet<string> Authors, IReadOnlySet<string> Addressees);

    /// <summary>Null when the text is not a failure notification at all.</summary>
    /// <param name="text">The notification text.</param>
    /// <param name="looksLikeBounce">The headers say this is a failure notice even if no marker does.</param>
    /// <param name="senders">Addresses on the sender's side, which notices mention beside the recipients.</param>
    /// <param name="maxRecipients">Stop after this many recipients.</param>
    public Result? Read(string text, bool looksLikeBounce, Senders senders, int maxRecipients)
    {
        var lines = SplitLines(text);
        var end = lines.FindIndex(line => Matches(VendorTextRowKind.End, line));
        var report = end < 0 ? lines : lines[..end];

        var families = formats.Rows
            .Where(r => r.Kind == VendorTextRowKind.Marker && report.Exists(r.Pattern.IsMatch))
            .Select(r => r.Family)
            .Distinct()
            .ToList();
        if (families.Count == 0 && !looksLikeBounce)
        {
            return null;
        }

        var active = formats.Rows
            .Where(r => families.Contains(r.Family) || r.Family == VendorTextRow.AnyFamily)
            .OrderBy(r => r.Family == VendorTextRow.AnyFamily)
            .ToList();

        // Recipients are listed after a family's start line (a sender named in the preamble is not one).
        var startRows = active.FindAll(r => r.Kind == VendorTextRowKind.Start);
        var start = report.FindIndex(line => startRows.Exists(r => r.Pattern.IsMatch(line)));

        var returnedCopy = end < 0 ? null : string.Join('\n', lines.Skip(end + 1));
        var authors = new HashSet<string>(senders.Authors, StringComparer.OrdinalIgnoreCase);
        authors.UnionWith(SenderAddresses.Of(returnedCopy is null ? null : ReportParts.LoadHeaders(returnedCopy)));
        var senderSide = new HashSet<string>(authors, StringComparer.OrdinalIgnoreCase);
        senderSide.UnionWith(senders.Addressees);

        var markers = report.ConvertAll(line => Matches(VendorTextRowKind.Marker, line));
        var delayed = report.Exists(line => Matches(VendorTextRowKind.Delayed, line));
        // The families' own rows know their layout; the rows for any family only read notices
        // whose family rows name nobody. The notice's addressee counts only if nobody else is named.
        var familyRows = active.FindAll(r => r.Family != VendorTextRow.AnyFamily);
        var anyRows = active.FindAll(r => r.Family == VendorTextRow.AnyFamily);
        var hits = FindRecipients(report, start + 1, familyRows, senderSide);
        if (hits.Count == 0)
        {
            hits = FindRecipients(report, start + 1, anyRows, senderSide);
        }

        if (hits.Count == 0 && senders.Addressees.Count > 0)
        {
            hits = FindRecipients(report, start + 1, familyRows, authors);
            hits = hits.Count > 0 ? hits : FindRecipients(report, start + 1, anyRows, authors);
        }

        var drafts = Drafts(report, markers, hits, start, delayed, maxRecipients);

        return new Result(
            families,
            delayed,
            drafts,
            Bound(string.Join('\n', report.Where((_, index) => !markers[index]))),
            Bound(string.Join('\n', report.Where((_, index) => markers[index]))),
            active.Find(r => r.Kind == VendorTextRowKind.Meaning)?.Words,
            returnedCopy);
    }

    /// <summary>A line naming a recipient. A verdict line closes its explanation: the transcript above it.</summary>
    private readonly record struct Hit(int Line, string Address, string? InlineDiagnostic, bool IsVerdict);

    private static List<RecipientDraft> Drafts(List<string> report, List<bool> markers, List<Hit> hits, int start, bool delayed, int maxRecipients)
    {
        var drafts = new List<RecipientDraft>();
        for (var i = 0; i < hits.Count && drafts.Count < maxRecipients; i++)
        {
            var hit = hits[i];
            var next = i + 1 < hits.Count ? hits[i + 1].Line : report.Count;
            var previous = i > 0 ? hits[i - 1].Line : start;
            // Recipients listed one under the other after one reason share it.
            var diagnostic = Diagnostic(report, markers, hit, previous, next)
                ?? (hit.IsVerdict && i > 0 && hits[i - 1].IsVerdict ? drafts.LastOrDefault()?.Diagnostic : null);
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

        return drafts;
    }

    private static List<Hit> FindRecipients(List<string> lines, int from, List<VendorTextRow> rows, HashSet<string> notRecipients)
    {
        List<Hit> hits = [];
        for (var i = from; i < lines.Count; i++)
        {
            foreach (var row in rows)
            {
                if (row.Kind is not (VendorTextRowKind.Recipient or VendorTextRowKind.Verdict))
                {
                    continue;
                }

                var match = row.Pattern.Match(lines[i]);
                if (!match.Success)
                {
                    continue;
                }

                var address = AddressText.Find(match.Groups["rcpt"].Value);
                if (address is null || notRecipients.Contains(address) || address.StartsWith("mailer-daemon@", StringComparison.OrdinalIgnoreCase))
                {
                    // The row saw a sender-side address: the line names no recipient.
                    break;
                }

                // The address again right below its own line (the remote's reply quoting it): still
                // the same recipient's explanation, not a new entry.
                if (hits.Count == 0 || !string.Equals(hits[^1].Address, address, StringComparison.OrdinalIgnoreCase))
                {
                    hits.Add(new Hit(i, address, InlineDiagnostic(lines[i], match.Groups["diag"], address), row.Kind == VendorTextRowKind.Verdict));
                }

                break;
            }
        }

        return hits;
    }

    /// <summary>
    /// What the recipient's own line says: the row's 'diag' group, or the whole line when it
    /// carries a reply ("550 5.1.1 &lt;a@b&gt;... User unknown") or other words beside the address.
    /// </summary>
    private static string? InlineDiagnostic(string line, System.Text.RegularExpressions.Group diag, string address)
    {
        var trimmed = line.Trim();
        if (trimmed.Length > 0 && char.IsAsciiDigit(trimmed[0]))
        {
            return trimmed;
        }

        if (diag.Success)
        {
            return diag.Value.Trim() is { Length: > 0 } words ? words : null;
        }

        return trimmed.Length > address.Length + 12 ? trimmed : null;
    }

    /// <summary>
    /// The lines under a recipient up to the next one; when there are none (formats that give the
    /// reason first), the few lines above it. A verdict line's explanation is the transcript above
    /// it. Marker lines below a recipient are the notice's own boilerplate and are left out.
    /// </summary>
    private static string? Diagnostic(List<string> lines, List<bool> markers, Hit hit, int previous, int next)
    {
        var text = new StringBuilder();
        var taken = 0;
        if (!hit.IsVerdict)
        {
            if (hit.InlineDiagnostic is not null)
            {
                text.Append(hit.InlineDiagnostic).Append('\n');
            }

            for (var i = hit.Line + 1; i < next && taken < MaxBlockLines; i++)
            {
                if (!markers[i] && !string.IsNullOrWhiteSpace(lines[i]))
                {
                    text.Append(lines[i].Trim()).Append('\n');
                    taken++;
                }
            }
        }

        if (hit.IsVerdict || (hit.InlineDiagnostic is null && taken == 0))
        {
            var above = new List<string>();
            var limit = hit.IsVerdict ? MaxBlockLines : MaxLinesAbove;
            for (var i = hit.Line - 1; i > previous && above.Count < limit; i--)
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

            if (hit.IsVerdict && hit.InlineDiagnostic is not null)
            {
                text.Append(hit.InlineDiagnostic).Append('\n');
            }
        }

        return text.Length == 0 ? null : Bound(text.ToString().TrimEnd());
    }

    private bool Matches(VendorTextRowKind kind, string line)
    {
        foreach (var row in formats.Rows)
        {
            if (row.Kind == kind && row.Pattern.IsMatch(line))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Lines without trailing blanks, capped in length; a notice forwarded as a quotation
    /// ("&gt; " on most lines) loses one level of quoting.
    /// </summary>
    private static List<string> SplitLines(string text)
    {
        // A notice is a few dozen lines at the top; what follows is the returned copy.
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', MaxLines + 1)
            .Take(MaxLines)
            .Select(line => (line.Length > MaxLineChars ? line[..MaxLineChars] : line).TrimEnd())
            .ToList();
        var nonEmpty = lines.Count(line => line.Length > 0);
        var quoted = lines.Count(line => line.StartsWith('>'));
        if (nonEmpty > 0 && quoted * 10 >= nonEmpty * 6)
        {
            lines = lines.ConvertAll(line => line.StartsWith("> ", StringComparison.Ordinal) ? line[2..] : line.StartsWith('>') ? line[1..] : line);
        }

        return lines;
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : Bound(first + "\n" + second);

    private static string Bound(string text) => text.Length > MaxDiagnosticChars ? text[..MaxDiagnosticChars] : text;
}
