using System.Text.RegularExpressions;
using EmailRelay.Classification;

namespace EmailRelay.UnitTests.Classification;

public sealed class RulesTableTests
{
    private static ReplyClassifier Load(string table) => ReplyClassifier.Load(new StringReader(table));

    [Fact]
    public void A_custom_table_replaces_the_default_rules()
    {
        var classifier = Load("# version: acme-7\ntext\tfriendly rejection\tblocked\n");

        Assert.Equal("acme-7", classifier.RulesVersion);
        Assert.Equal(BounceReason.Blocked, classifier.ClassifyReply(550, null, "A Friendly Rejection").Reason);
        Assert.Equal(BounceReason.Undefined, classifier.ClassifyReply(550, null, "5.1.1 user unknown").Reason);
        Assert.Equal(1, classifier.RuleCount);
    }

    [Fact]
    public void Kinds_are_consulted_in_fixed_order_whatever_the_row_order()
    {
        var classifier = Load(string.Join('\n',
            "# version: 2",
            "reply\t550\tfiltered",
            "generic\t5.7.1\tpolicy_violation",
            "text\tmailbox full\tmailbox_full",
            "enhanced\t5.1.1\tuser_unknown"));

        Assert.Equal(BounceReason.UserUnknown, classifier.ReasonFor(550, null, "5.1.1 mailbox full"));
        Assert.Equal(BounceReason.MailboxFull, classifier.ReasonFor(550, null, "5.7.1 mailbox full"));
        Assert.Equal(BounceReason.PolicyViolation, classifier.ReasonFor(550, null, "5.7.1 nope"));
        Assert.Equal(BounceReason.Filtered, classifier.ReasonFor(550, null, "nope"));
    }

    [Fact]
    public void First_matching_row_wins_within_a_kind()
    {
        var classifier = Load("# version: 1\ntext\tspam\tspam_detected\ntext\tspamhaus\tblocked\n");

        Assert.Equal(BounceReason.SpamDetected, classifier.ReasonFor(554, null, "listed at spamhaus"));
    }

    [Fact]
    public void Wildcards_and_ranges_match_enhanced_codes()
    {
        var classifier = Load("# version: 1\nenhanced\t5.7.600-610\tblocked\nenhanced\t*.2.*\tmailbox_full\n");

        Assert.Equal(BounceReason.Blocked, classifier.ReasonFor(550, "5.7.605", ""));
        Assert.Equal(BounceReason.Undefined, classifier.ReasonFor(550, "5.7.611", ""));
        Assert.Equal(BounceReason.Undefined, classifier.ReasonFor(450, "4.7.605", ""));
        Assert.Equal(BounceReason.MailboxFull, classifier.ReasonFor(450, "4.2.9", ""));
    }

    [Fact]
    public void Outcome_override_changes_the_outcome_and_hardness()
    {
        var classifier = Load("# version: 1\ntext\tsoft bounce\tuser_unknown\tdeferred\ntext\tgone for good\tuser_unknown\tbounced\n");

        var softened = classifier.ClassifyReply(550, null, "soft bounce");
        Assert.Equal(DeliveryOutcome.Deferred, softened.Outcome);
        Assert.False(softened.Hard);

        var hardened = classifier.ClassifyReply(450, null, "gone for good");
        Assert.Equal(DeliveryOutcome.Bounced, hardened.Outcome);
        Assert.True(hardened.Hard);

        Assert.Equal(DeliveryOutcome.Delivered, classifier.ClassifyReply(250, null, "soft bounce").Outcome);
    }

    [Fact]
    public void Comments_blank_lines_header_row_and_crlf_are_accepted()
    {
        var classifier = Load("# a comment\r\n\r\n# version: 3\r\nkind\tpattern\treason\toutcome\r\n  # indented comment\r\nenhanced\t5.1.1\tuser_unknown\t\r\n");

        Assert.Equal("3", classifier.RulesVersion);
        Assert.Equal(BounceReason.UserUnknown, classifier.ReasonFor(550, "5.1.1", ""));
    }

    public static TheoryData<string, int, string> BadTables => new()
    {
        { "# version: 1\nenhanced\t5.1.1\tuser_unkown", 2, "unknown reason 'user_unkown'" },
        { "# version: 1\n\nregex\tfoo\tblocked", 3, "unknown kind 'regex'" },
        { "# version: 1\ntext\t(unclosed\tblocked", 2, "invalid regular expression" },
        { "# version: 1\nenhanced\t5.1\tuser_unknown", 2, "three parts" },
        { "# version: 1\nenhanced\t3.1.1\tuser_unknown", 2, "class must be" },
        { "# version: 1\nenhanced\t5.1.x\tuser_unknown", 2, "each part" },
        { "# version: 1\nenhanced\t5.7.9-1\tuser_unknown", 2, "each part" },
        { "# version: 1\ntext\tfoo", 2, "found 2" },
        { "# version: 1\ntext\tfoo\tblocked\tdeferred\textra", 2, "found 5" },
        { "# version: 1\ntext\tfoo\tblocked\tdelivered", 2, "unknown outcome override 'delivered'" },
        { "# version: 1\ntext\t\tblocked", 2, "pattern column is empty" },
        { "# version: 1\nreply\t250\tblocked", 2, "4yz or 5yz" },
        { "# version: 1\nreply\t55\tblocked", 2, "4yz or 5yz" },
        { "# version: 1\n# version: 2", 2, "second '# version:'" },
        { "# version:\ntext\tfoo\tblocked", 1, "version header" },
        { "text\tfoo\tblocked", 0, "missing the '# version: N' header" },
    };

    [Theory]
    [MemberData(nameof(BadTables))]
    public void A_bad_row_is_reported_with_its_line_number(string table, int line, string message)
    {
        var ex = Assert.Throws<RulesFormatException>(() => Load(table));

        Assert.Equal(line, ex.LineNumber);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        if (line > 0)
        {
            Assert.StartsWith($"Bounce rules line {line}:", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_pathological_pattern_times_out_as_no_match()
    {
        const string table = "# version: 1\ntext\t^(a+)+$\tblocked\ntext\taaa\tspam_detected\n";
        var hostile = new string('a', 40) + "!";
        // The row's own regex gives up on this input (2^40 backtracking paths) instead of running on:
        // the table compiles every pattern with a match timeout. No clock is read by the test.
        var pathological = RulesTable.Parse(new StringReader(table)).Text[0].Text!;
        Assert.Throws<RegexMatchTimeoutException>(() => pathological.IsMatch(hostile));

        // ...and the classifier takes the timeout as "no match" and goes on to the next row.
        Assert.Equal(BounceReason.SpamDetected, Load(table).ReasonFor(550, null, hostile));
    }

    [Fact]
    public void Load_rejects_a_null_reader()
    {
        Assert.Throws<ArgumentNullException>(() => ReplyClassifier.Load(null!));
    }
}
