using System.Text;
using EmailRelay.Api.Submission;

namespace EmailRelay.UnitTests.Api;

public sealed class SubmissionHeadersTests
{
    [Fact]
    public void Relay_fields_are_taken_and_cut_out_leaving_every_other_byte_as_it_was()
    {
        var message = Bytes(
            "Received: from app\r\n\tby host; Sun, 29 Nov 2026 21:00:00 +0000\r\n" +
            "From: App <app@acme.example>\r\n" +
            "x-emailrelay-tags: a, b\r\n" +
            "Subject: Grüße\r\n" +
            "X-EmailRelay-Metadata: {\"k\": \"v\",\r\n  \"n\": \"2\"}\r\n" +
            "X-EmailRelay-Tags: c\r\n" +
            "\r\n" +
            "X-EmailRelay-Tags: in the body, kept\r\n");

        var split = SubmissionHeaders.Extract(message);

        Assert.Equal(Bytes(
            "Received: from app\r\n\tby host; Sun, 29 Nov 2026 21:00:00 +0000\r\n" +
            "From: App <app@acme.example>\r\n" +
            "Subject: Grüße\r\n" +
            "\r\n" +
            "X-EmailRelay-Tags: in the body, kept\r\n"), split.Message);
        Assert.Equal(["a, b", "c"], split.Tags);
        Assert.Equal(["{\"k\": \"v\",  \"n\": \"2\"}"], split.Metadata);
    }

    [Fact]
    public void A_message_without_relay_fields_or_without_a_body_is_unchanged()
    {
        var plain = Bytes("From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n");
        Assert.Equal(plain, SubmissionHeaders.Extract(plain).Message);
        var headersOnly = Bytes("From: a@b.example\nX-EmailRelay-Tags: t\nSubject: x\n");
        var split = SubmissionHeaders.Extract(headersOnly);
        Assert.Equal(Bytes("From: a@b.example\nSubject: x\n"), split.Message);
        Assert.Equal(["t"], split.Tags);
    }

    [Fact]
    public void Tags_are_comma_separated_or_a_json_array_and_metadata_is_a_json_object()
    {
        Assert.Equal(["receipt", "smtp", "x y"], SubmissionHeaders.ParseTags(["receipt, smtp", "[\"x y\"]"]));
        Assert.Empty(SubmissionHeaders.ParseTags([" , "]));
        Assert.Equal("1234", SubmissionHeaders.ParseMetadata("{\"order_id\": \"1234\"}")["order_id"]);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => SubmissionHeaders.ParseMetadata("{\"n\": 1}"));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => SubmissionHeaders.ParseMetadata("null"));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
