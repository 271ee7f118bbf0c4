using EmailRelay.Classification;

namespace EmailRelay.UnitTests.Classification;

public sealed class EnhancedCodeExtractionTests
{
    [Theory]
    [InlineData("5.1.1 No such user", "5.1.1")]
    [InlineData("550 5.1.1 No such user", "5.1.1")]
    [InlineData("550-5.1.1 The email account that you tried to reach does not exist.", "5.1.1")]
    [InlineData("  4.7.0 leading blanks", "4.7.0")]
    [InlineData("2.0.0 OK", "2.0.0")]
    [InlineData("5.7.509 Access denied", "5.7.509")]
    [InlineData("5.1.10", "5.1.10")]
    [InlineData("5.4.312 Message expired", "5.4.312")]
    [InlineData("5.1.1; trailing punctuation", "5.1.1")]
    [InlineData("5.1.1.", "5.1.1")]
    [InlineData("5.1.1\nsecond line", "5.1.1")]
    [InlineData("550\t5.2.2 tab after the reply code", "5.2.2")]
    public void Extracts_a_leading_code(string text, string expected)
    {
        Assert.Equal(expected, ReplyClassifier.ExtractEnhancedCode(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("No such user")]
    [InlineData("550")]
    [InlineData("550 ")]
    [InlineData("550 User unknown")]
    [InlineData("3.1.1 class 3 does not exist")]
    [InlineData("6.1.1 nor does class 6")]
    [InlineData("5.1 two parts")]
    [InlineData("5..1 empty subject")]
    [InlineData("5.1. empty detail")]
    [InlineData("5.1234.1 four-digit subject")]
    [InlineData("5.1.1234 four-digit detail")]
    [InlineData("5.1.1.2 four parts")]
    [InlineData("5.1.1x glued to a word")]
    [InlineData("user 5.1.1 not at the start")]
    [InlineData("5501 5.1.1 four-digit reply code")]
    [InlineData("#5.1.1")]
    public void Returns_null_when_there_is_no_leading_code(string text)
    {
        Assert.Null(ReplyClassifier.ExtractEnhancedCode(text));
    }
}
