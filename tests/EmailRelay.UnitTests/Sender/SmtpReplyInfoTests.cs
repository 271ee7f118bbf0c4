using EmailRelay.Sender.Smtp;

namespace EmailRelay.UnitTests.Sender;

public sealed class SmtpReplyInfoTests
{
    [Fact]
    public void A_single_line_reply_gets_its_code_back()
    {
        var reply = SmtpReplyInfo.From(250, "2.0.0 Ok");

        Assert.Equal(new SmtpReplyInfo(250, "2.0.0", "250 2.0.0 Ok"), reply);
    }

    [Fact]
    public void A_multi_line_reply_is_rebuilt_with_continuation_markers_and_crlf()
    {
        var reply = SmtpReplyInfo.From(550, "line1\nline2");

        Assert.Equal("550-line1\r\n550 line2", reply.Text);
        Assert.Equal(550, reply.Code);
        Assert.Null(reply.EnhancedCode);
    }

    [Fact]
    public void A_three_line_reply_marks_all_but_the_last_line_as_continued()
    {
        var reply = SmtpReplyInfo.From(550, "5.1.1 The email account that you tried to reach does not exist.\n5.1.1 Please try\n5.1.1 again.");

        Assert.Equal(
            "550-5.1.1 The email account that you tried to reach does not exist.\r\n550-5.1.1 Please try\r\n550 5.1.1 again.",
            reply.Text);
        Assert.Equal("5.1.1", reply.EnhancedCode);
    }

    [Theory]
    [InlineData(550, "5.1.1 No such user", "5.1.1")]
    [InlineData(451, "4.7.1 Try again later", "4.7.1")]
    [InlineData(550, "5.7.606 Access denied", "5.7.606")]
    [InlineData(554, "5.7.1 Service unavailable", "5.7.1")]
    [InlineData(250, "Ok", null)]
    [InlineData(550, "No such user here", null)]
    public void The_enhanced_code_is_extracted_from_the_first_line(int code, string response, string? expected)
    {
        Assert.Equal(expected, SmtpReplyInfo.From(code, response).EnhancedCode);
    }
}
