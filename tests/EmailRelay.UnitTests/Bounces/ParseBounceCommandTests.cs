using System.Text.Json;
using EmailRelay.Tracking.Bounces;
using EmailRelay.UnitTests.Classification;

namespace EmailRelay.UnitTests.Bounces;

public sealed class ParseBounceCommandTests : IDisposable
{
    private static readonly string[] Keys = ["file", "recipient", "status", "reply_code", "reason", "hard", "format"];

    private readonly string folder = Directory.CreateTempSubdirectory("parse-bounce-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Prints_one_json_object_per_recipient_with_the_keys_in_order()
    {
        var file = Write("exim.eml", """
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            Subject: Mail delivery failed: returning message to sender

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              gone@example.org
                SMTP error from remote mail server after RCPT TO:<gone@example.org>:
                host mx.example.org [192.0.2.9]: 550 5.1.1 No such user
              bounces+a1@example.net
                SMTP error from remote mail server after RCPT TO:<bounces+a1@example.net>:
                host mx.example.net [192.0.2.8]: 421 4.7.0 Try again later
            """);

        var (exit, lines, errors) = await Run(file);

        Assert.Equal(0, exit);
        Assert.Empty(errors);
        Assert.Equal(2, lines.Count);
        AssertKeysInOrder(lines[0]);
        Assert.Equal(
            """{"file":"FILE","recipient":"gone@example.org","status":"5.1.1","reply_code":550,"reason":"user_unknown","hard":true,"format":"vendor-text"}""".Replace("FILE", JsonEncodedText.Encode(file).ToString(), StringComparison.Ordinal),
            lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("bounces+a1@example.net", second.RootElement.GetProperty("recipient").GetString());
        Assert.Equal(421, second.RootElement.GetProperty("reply_code").GetInt32());
        Assert.False(second.RootElement.GetProperty("hard").GetBoolean());
    }

    [Fact]
    public async Task A_message_with_no_recipient_prints_one_line_with_nulls()
    {
        var file = Write("nothing.eml", "From: friend@example.org\nSubject: hello\n\nJust saying hi.\n");

        var (exit, lines, _) = await Run(file);

        Assert.Equal(0, exit);
        var line = Assert.Single(lines);
        AssertKeysInOrder(line);
        using var json = JsonDocument.Parse(line);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("recipient").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("status").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("reply_code").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("hard").ValueKind);
        Assert.Equal("unknown", json.RootElement.GetProperty("format").GetString());
    }

    [Fact]
    public async Task An_unreadable_file_is_reported_the_others_are_still_parsed_and_the_exit_code_is_1()
    {
        var good = Write("vacation.eml", "From: pat@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nAway.\n");
        var missing = Path.Combine(folder, "missing.eml");

        var (exit, lines, errors) = await Run(missing, good);

        Assert.Equal(1, exit);
        Assert.Contains(missing, errors, StringComparison.Ordinal);
        var line = Assert.Single(lines);
        Assert.Contains("\"reason\":\"vacation\"", line, StringComparison.Ordinal);
        Assert.Contains("\"hard\":null", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_files_it_prints_usage()
    {
        var (exit, lines, errors) = await Run();

        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains("usage", errors, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Two_sample_bounces_print_what_their_labels_say()
    {
        var testData = TestDataLocator.Find(out var missing);
        Skip.If(testData is null, missing);
        var exim = Path.Combine(testData, "bounces", "lhost-exim-02.eml");
        var dsn = Path.Combine(testData, "bounces", "rfc3464-26.eml");
        Skip.IfNot(File.Exists(exim) && File.Exists(dsn), "the two sample files are not in the corpus");

        var (exit, lines, _) = await Run(exim, dsn);

        Assert.Equal(0, exit);
        Assert.Equal(3, lines.Count);
        lines.ForEach(AssertKeysInOrder);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(exim, first.RootElement.GetProperty("file").GetString());
        Assert.Equal(("5.1.1", 550, "user_unknown", true, "vendor-text"), Fields(first));
        using var last = JsonDocument.Parse(lines[2]);
        Assert.Equal(dsn, last.RootElement.GetProperty("file").GetString());
        Assert.Equal(("5.1.1", 550, "user_unknown", true, "rfc3464"), Fields(last));
    }

    private static (string?, int, string?, bool, string?) Fields(JsonDocument json)
    {
        var root = json.RootElement;
        return (root.GetProperty("status").GetString(), root.GetProperty("reply_code").GetInt32(), root.GetProperty("reason").GetString(),
            root.GetProperty("hard").GetBoolean(), root.GetProperty("format").GetString());
    }

    private static void AssertKeysInOrder(string line)
    {
        using var json = JsonDocument.Parse(line);
        Assert.Equal(Keys, json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    private static async Task<(int Exit, List<string> Lines, string Errors)> Run(params string[] files)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ParseBounceCommand.RunAsync(files, output, error, CancellationToken.None);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return (exit, lines, error.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
