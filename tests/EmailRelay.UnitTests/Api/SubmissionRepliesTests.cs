using System.Text;
using EmailRelay.Api.Submission;
using Microsoft.Extensions.Time.Testing;

namespace EmailRelay.UnitTests.Api;

/// <summary>The SMTP answers to what the HTTP API answers with a status (API.md §SMTP submission).</summary>
public sealed class SubmissionRepliesTests
{
    private readonly SubmissionPreparer _preparer = new(new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 21, 0, 0, TimeSpan.Zero)));

    [Fact]
    public void Each_refusal_has_the_code_and_enhanced_code_of_the_contract()
    {
        Assert.Equal("250 2.0.0 Ok: queued as 01a22922-27d3-78aa-a009-b5b57755b2bb",
            Line(SubmissionReplies.Queued(Guid.Parse("01a22922-27d3-78aa-a009-b5b57755b2bb"))));
        Assert.StartsWith("530 5.7.0 ", Line(SubmissionReplies.AuthenticationRequired), StringComparison.Ordinal);
        Assert.StartsWith("535 5.7.8 ", Line(SubmissionReplies.InvalidCredentials), StringComparison.Ordinal);
        Assert.StartsWith("454 4.7.0 ", Line(SubmissionReplies.TooManyFailedLogins), StringComparison.Ordinal);
        Assert.StartsWith("421 4.7.0 ", Line(SubmissionReplies.Unavailable), StringComparison.Ordinal);
        Assert.StartsWith("421 4.7.0 ", Line(SubmissionReplies.TooManyConnections), StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1 'acme.example'", Line(SubmissionReplies.UnverifiedSender("acme.example")), StringComparison.Ordinal);
        Assert.Equal("452 4.3.1 Send rate exceeded; nothing was stored, retry after 3 s", Line(SubmissionReplies.RateLimited(3)));
        Assert.Equal("552 5.3.4 Message too big: the limit is 1024 bytes", Line(SubmissionReplies.TooBig(1024)));
        Assert.StartsWith("452 4.5.3 ", Line(SubmissionReplies.TooManyRecipients), StringComparison.Ordinal);
        // A reply line must not be ended early by what it quotes.
        var invalid = Line(SubmissionReplies.InvalidRecipient("bad\r\naddress"));
        Assert.StartsWith("553 5.1.3 bad", invalid, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', invalid);
        Assert.DoesNotContain('\r', invalid);
    }

    [Fact]
    public void A_valid_message_becomes_a_prepared_email_with_envelope_recipients_tags_and_metadata()
    {
        var message = Encoding.UTF8.GetBytes(
            "From: App <app@acme.example>\r\nSubject: Hi\r\nX-EmailRelay-Tags: a,b\r\nX-EmailRelay-Metadata: {\"k\":\"v\"}\r\n\r\nbody\r\n");

        var prepared = _preparer.Prepare("bounce@acme.example", ["Ana@Example.net", "ana@example.net", "bob@example.org"], message, 10_000);

        Assert.Null(prepared.Refusal);
        var email = prepared.Email!;
        Assert.Equal("acme.example", prepared.FromDomain);
        Assert.Equal("bounce@acme.example", email.Email.From.Address);
        Assert.Equal(["Ana@Example.net", "bob@example.org"], email.Email.Recipients.Select(r => r.Address));
        Assert.Equal(["a", "b"], email.Email.Request.Tags!);
        Assert.Equal("v", email.Email.Request.Metadata!["k"]);
        Assert.Equal("Hi", email.Email.Request.Subject);
        Assert.Equal($"<{email.Id:N}@acme.example>", email.Message.MessageIdHeader);
        var stored = Encoding.UTF8.GetString(email.Message.Mime);
        Assert.StartsWith($"Message-ID: <{email.Id:N}@acme.example>\r\nDate: ", stored, StringComparison.Ordinal);
        Assert.EndsWith("From: App <app@acme.example>\r\nSubject: Hi\r\n\r\nbody\r\n", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void The_null_sender_takes_the_from_field_and_an_existing_message_id_is_kept()
    {
        var message = Encoding.ASCII.GetBytes("From: app@acme.example\r\nDate: Sun, 29 Nov 2026 21:00:00 +0000\r\nMessage-ID: <m1@acme.example>\r\n\r\nx\r\n");

        var prepared = _preparer.Prepare(null, ["ana@example.net"], message, 10_000);

        Assert.Equal("app@acme.example", prepared.Email!.Email.From.Address);
        Assert.Equal("<m1@acme.example>", prepared.Email.Message.MessageIdHeader);
        Assert.Equal(message, prepared.Email.Message.Mime);
    }

    [Fact]
    public void The_line_end_before_the_final_dot_is_given_back_to_the_last_line()
    {
        var message = Encoding.ASCII.GetBytes("From: app@acme.example\r\nDate: Sun, 29 Nov 2026 21:00:00 +0000\r\nMessage-ID: <m2@acme.example>\r\n\r\nlast line");

        var prepared = _preparer.Prepare("app@acme.example", ["ana@example.net"], message, 10_000);

        Assert.Equal([.. message, (byte)'\r', (byte)'\n'], prepared.Email!.Message.Mime);
        Assert.Equal("app@acme.example", prepared.Email.Email.Request.From);
    }

    [Theory]
    [InlineData("Subject: no from\r\n\r\nx\r\n", "From")]
    [InlineData("From: a@acme.example, b@acme.example\r\n\r\nx\r\n", "From")]
    [InlineData("From: a@acme.example\r\nX-EmailRelay-Metadata: [1]\r\n\r\nx\r\n", "X-EmailRelay-Metadata")]
    [InlineData("From: a@acme.example\r\nX-EmailRelay-Tags: 1,2,3,4,5,6,7,8,9,10,11\r\n\r\nx\r\n", "tags")]
    public void A_message_the_api_would_refuse_is_554_5_6_0_naming_the_field(string text, string field)
    {
        var prepared = _preparer.Prepare("a@acme.example", ["ana@example.net"], Encoding.UTF8.GetBytes(text), 10_000);

        Assert.Null(prepared.Email);
        Assert.StartsWith($"554 5.6.0 {field}", Line(prepared.Refusal!), StringComparison.Ordinal);
    }

    [Fact]
    public void Larger_than_the_limit_once_prepared_is_552_5_3_4()
    {
        var message = Encoding.ASCII.GetBytes("From: a@acme.example\r\n\r\n" + new string('x', 2000) + "\r\n");

        var prepared = _preparer.Prepare("a@acme.example", ["ana@example.net"], message, 1024);

        Assert.StartsWith("552 5.3.4", Line(prepared.Refusal!), StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_limits_count_in_all_and_per_address()
    {
        var limiter = new ConnectionLimiter(maxConnections: 3, maxPerAddress: 2);
        Assert.True(limiter.TryEnter("10.0.0.1"));
        Assert.True(limiter.TryEnter("10.0.0.1"));
        Assert.False(limiter.TryEnter("10.0.0.1"));
        Assert.True(limiter.TryEnter("10.0.0.2"));
        Assert.False(limiter.TryEnter("10.0.0.3"));
        limiter.Exit("10.0.0.1");
        Assert.True(limiter.TryEnter("10.0.0.3"));
        Assert.Equal(3, limiter.Open);
    }

    private static string Line(SmtpServer.Protocol.SmtpResponse response) => $"{(int)response.ReplyCode} {response.Message}";
}
