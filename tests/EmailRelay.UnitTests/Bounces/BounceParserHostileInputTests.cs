using System.Diagnostics;
using System.Text;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.UnitTests.Bounces;

/// <summary>Reports come from anyone: nothing in the bytes may make the parser throw, hang or read without bound.</summary>
public sealed class BounceParserHostileInputTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Garbage => new()
    {
        "",
        "\r\n\r\n",
        "not a message at all",
        "Content-Type: multipart/report; boundary=\"x\"\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient:",
        "Content-Type: multipart/mixed; boundary=\n\n--\n--\n",
        "Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n",
        "Content-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!",
        "From: MAILER-DAEMON@x\nSubject: failure notice\n\n<@>:\n<a@>:\n<@b>:\n550 5.1.1 <>... ",
        "From: MAILER-DAEMON@x\nContent-Type: text/plain\n\n{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[[[[[[[[",
        "Content-Type: multipart/report; report-type=feedback-report; boundary=f\n\n--f\nContent-Type: message/feedback-report\n\nOriginal-Rcpt-To:\nFeedback-Type:\n--f--",
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Malformed_messages_give_a_report_not_an_exception(string message)
    {
        var report = Reports.Parse(message);

        Assert.NotNull(report);
        Assert.All(report.Recipients, r => Assert.NotNull(r.ReasonName));
    }

    [Fact]
    public void Random_bytes_give_a_report_not_an_exception()
    {
        var random = new Random(20261102);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(0, 8192)];
            random.NextBytes(bytes);
            Assert.NotNull(BounceParser.Default.Parse(bytes));
        }
    }

    [Fact]
    public void An_enormous_header_is_parsed_in_bounded_time()
    {
        var subject = new string('a', 2_000_000);
        var elapsed = Time(() => Reports.Parse($"From: MAILER-DAEMON@x\nSubject: {subject}\nX-Failed-Recipients: {subject}@{subject}\n\nhello"));

        Assert.True(elapsed < Budget, $"took {elapsed}");
    }

    [Fact]
    public void Pathological_lines_do_not_make_the_patterns_backtrack()
    {
        // Long runs that almost match addresses, codes and recipient rows, on one line and many.
        var almostAddress = string.Concat(Enumerable.Repeat("a.", 50_000)) + "@";
        var almostCodes = string.Concat(Enumerable.Repeat("5.5.", 50_000));
        var manyLines = string.Concat(Enumerable.Repeat("<a@b.c>: <a@b.c>... 550 <a@b.c>... x\n", 20_000));
        var message = $"""
            From: MAILER-DAEMON@mx.example.net
            Subject: Undelivered Mail Returned to Sender
            X-Failed-Recipients: {almostAddress}

            This is the mail system at host mx.example.net.
            {almostAddress}
            {almostCodes}
            {manyLines}
            """;

        var report = default(BounceReport);
        var elapsed = Time(() => report = Reports.Parse(message));

        Assert.True(elapsed < Budget, $"took {elapsed}");
        Assert.NotNull(report);
    }

    [Fact]
    public void Deep_nesting_is_cut_off_at_the_depth_limit()
    {
        var depth = 5_000;
        var message = new StringBuilder("From: MAILER-DAEMON@x\n");
        for (var i = 0; i < depth; i++)
        {
            message.Append($"Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n");
        }

        message.Append("Content-Type: text/plain\n\nhello\n");
        var elapsed = Time(() => Reports.Parse(message.ToString()));

        Assert.True(elapsed < Budget, $"took {elapsed}");
    }

    [Fact]
    public void Thousands_of_parts_stop_at_the_part_limit_and_say_so()
    {
        var message = new StringBuilder("From: MAILER-DAEMON@x\nContent-Type: multipart/mixed; boundary=\"p\"\n\n");
        for (var i = 0; i < 5_000; i++)
        {
            message.Append("--p\nContent-Type: text/plain\n\nx\n");
        }

        message.Append("--p--\n");
        var report = Reports.Parse(message.ToString());

        Assert.True(report.Truncated);
    }

    [Fact]
    public async Task Only_the_first_max_bytes_of_a_stream_are_read()
    {
        var limits = BounceParserLimits.Default with { MaxBytes = 64 * 1024 };
        var parser = new BounceParser(EmailRelay.Classification.ReplyClassifier.Default, limits);
        using var endless = new EndlessStream();

        var report = await parser.ParseAsync(endless, CancellationToken.None);

        Assert.True(report.Truncated);
        Assert.InRange(endless.Position, limits.MaxBytes, limits.MaxBytes + 1);
    }

    [Fact]
    public void A_report_naming_more_recipients_than_the_limit_is_cut_short()
    {
        var limits = BounceParserLimits.Default with { MaxRecipients = 10 };
        var parser = new BounceParser(EmailRelay.Classification.ReplyClassifier.Default, limits);
        var groups = string.Concat(Enumerable.Range(0, 500).Select(i => $"\nFinal-Recipient: rfc822; r{i}@example.org\nAction: failed\nStatus: 5.1.1\n"));
        var message = $"From: MAILER-DAEMON@x\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\n\n--d\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n{groups}\n--d--\n";

        var report = parser.Parse(Encoding.ASCII.GetBytes(message));

        Assert.Equal(10, report.Recipients.Count);
    }

    private static TimeSpan Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }

    /// <summary>A stream of "x" that never ends, counting what was read from it.</summary>
    private sealed class EndlessStream : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
