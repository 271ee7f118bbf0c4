using EmailRelay.Api.Submission;

namespace EmailRelay.UnitTests.Api;

public sealed class SubmissionEnhancedCodeTests
{
    [Theory]
    [InlineData("250 Ok\r\n", "250 2.0.0 Ok\r\n")]
    [InlineData("235 go ahead\r\n", "235 2.7.0 go ahead\r\n")]
    [InlineData("503 bad sequence of commands, 4 retry(ies) remaining.\r\n", "503 5.5.1 bad sequence of commands, 4 retry(ies) remaining.\r\n")]
    [InlineData("221 bye\r\n", "221 2.0.0 bye\r\n")]
    [InlineData("250 2.0.0 Ok: queued as x\r\n", "250 2.0.0 Ok: queued as x\r\n")]
    [InlineData("535 5.7.8 Authentication credentials invalid\r\n", "535 5.7.8 Authentication credentials invalid\r\n")]
    [InlineData("250 2.0.0\r\n", "250 2.0.0\r\n")]
    [InlineData("250 2.0 Ok\r\n", "250 2.0.0 2.0 Ok\r\n")]
    [InlineData("220 submission.test ESMTP ready\r\n", "220 submission.test ESMTP ready\r\n")]
    [InlineData("354 end with <CRLF>.<CRLF>\r\n", "354 end with <CRLF>.<CRLF>\r\n")]
    [InlineData("334 VXNlcm5hbWU6\r\n", "334 VXNlcm5hbWU6\r\n")]
    [InlineData("250-submission.test Hello x\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n", "250-submission.test Hello x\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")]
    public void Reply_lines_without_an_enhanced_code_get_one_and_others_are_left_alone(string written, string sent) =>
        Assert.Equal(sent, EnhancedCodeWriter.WithCodes(written));
}
