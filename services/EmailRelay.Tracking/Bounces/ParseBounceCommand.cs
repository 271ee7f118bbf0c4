using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// <c>parse-bounce FILE...</c>: runs the bounce listener's parser over saved messages and prints
/// one JSON object per recipient found (one with a null recipient when none was), so an operator
/// can see what a bounce will be taken to mean without a database, a broker or a running relay.
/// </summary>
public static class ParseBounceCommand
{
    public const string Name = "parse-bounce";

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Addresses keep their '+' and non-ASCII letters readable; the output is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Parses each file ("-" is standard input) in turn.</summary>
    /// <returns>0; 1 when a file could not be read (reported on <paramref name="error"/>, the others are still parsed); 2 without files.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> files, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (files.Count == 0)
        {
            await error.WriteLineAsync($"usage: {Name} FILE...   (parses saved bounce messages; '-' reads standard input)");
            return 2;
        }

        var unreadable = false;
        foreach (var file in files)
        {
            BounceReport report;
            try
            {
                report = await ParseAsync(file, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"{Name}: {file}: {ex.Message}");
                unreadable = true;
                continue;
            }

            foreach (var line in Lines(file, report))
            {
                await output.WriteLineAsync(line);
            }
        }

        return unreadable ? 1 : 0;
    }

    /// <summary>The JSON lines printed for one report: keys file, recipient, status, reply_code, reason, hard, format.</summary>
    public static IEnumerable<string> Lines(string file, BounceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Recipients.Count == 0)
        {
            yield return Line(file, recipient: null, report.Format);
            yield break;
        }

        foreach (var recipient in report.Recipients)
        {
            yield return Line(file, recipient, report.Format);
        }
    }

    private static async Task<BounceReport> ParseAsync(string file, CancellationToken cancellationToken)
    {
        if (file == "-")
        {
            await using var stdin = Console.OpenStandardInput();
            return await BounceParser.Default.ParseAsync(stdin, cancellationToken);
        }

        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await BounceParser.Default.ParseAsync(stream, cancellationToken);
    }

    private static string Line(string file, BounceRecipient? recipient, BounceFormat format)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("file", file);
            WriteStringOrNull(json, "recipient", recipient?.Address);
            WriteStringOrNull(json, "status", recipient?.Status);
            if (recipient?.ReplyCode is { } replyCode)
            {
                json.WriteNumber("reply_code", replyCode);
            }
            else
            {
                json.WriteNull("reply_code");
            }

            WriteStringOrNull(json, "reason", recipient?.ReasonName);
            if (recipient?.Hard is { } hard)
            {
                json.WriteBoolean("hard", hard);
            }
            else
            {
                json.WriteNull("hard");
            }

            json.WriteString("format", format.ToWireName());
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
