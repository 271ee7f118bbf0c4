using System.Text;
using EmailRelay.Api.Submission;

namespace EmailRelay.UnitTests.Api;

public sealed class SubmissionPreparerTests
{
    private static readonly SubmissionPreparer Preparer = new(TimeProvider.System);

    private static SubmissionPrepared Prepare(string message) =>
        Preparer.Prepare("app@acme.example", ["ana@example.net"], Encoding.ASCII.GetBytes(message), 10 * 1024 * 1024);

    [Fact]
    public void A_message_with_one_from_field_is_prepared_with_its_domain()
    {
        var prepared = Prepare("From: App <app@acme.example>\r\nTo: ana@example.net\r\nSubject: Hi\r\n\r\nHello\r\n");

        Assert.Null(prepared.Refusal);
        Assert.Equal("acme.example", prepared.FromDomain);
    }

    [Fact]
    public void A_second_from_field_is_refused_as_an_invalid_message()
    {
        var prepared = Prepare("From: App <app@acme.example>\r\nFrom: Bank <ceo@bank.example>\r\nTo: ana@example.net\r\nSubject: Hi\r\n\r\nHello\r\n");

        Assert.Null(prepared.Email);
        Assert.NotNull(prepared.Refusal);
        Assert.Equal(554, (int)prepared.Refusal.ReplyCode);
        Assert.StartsWith("5.6.0 From: ", prepared.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_without_a_from_field_is_refused()
    {
        var prepared = Prepare("To: ana@example.net\r\nSubject: Hi\r\n\r\nHello\r\n");

        Assert.Equal(554, (int)prepared.Refusal!.ReplyCode);
        Assert.Contains("no From field", prepared.Refusal.Message, StringComparison.Ordinal);
    }
}
