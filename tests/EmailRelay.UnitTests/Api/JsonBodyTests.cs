using System.Text;
using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.UnitTests.Api;

public sealed class JsonBodyTests
{
    private static (bool Ok, SendEmailRequest? Value, ProblemHttpResult? Problem) Parse(string json)
    {
        var ok = JsonBody.TryParse<SendEmailRequest>(Encoding.UTF8.GetBytes(json), out var value, out var problem);
        return (ok, value, problem);
    }

    private static IDictionary<string, string[]> FailedErrors(string json)
    {
        var (ok, value, problem) = Parse(json);
        Assert.False(ok);
        Assert.Null(value);
        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.ProblemDetails.Status);
        return Assert.IsType<HttpValidationProblemDetails>(problem.ProblemDetails).Errors;
    }

    [Fact]
    public void A_snake_case_body_is_read_into_the_request()
    {
        var (ok, value, problem) = Parse("""
            {"from": "Acme <no-reply@acme.example>", "to": ["ana@example.net"], "reply_to": ["support@acme.example"],
             "subject": "Hi", "text": "body", "headers": {"X-Campaign": "receipts"},
             "attachments": [{"filename": "r.pdf", "content_type": "application/pdf", "content": "AA==", "content_id": null}],
             "tags": ["receipt"], "metadata": {"order_id": "1234"}, "send_at": "2025-03-01T12:00:00Z"}
            """);

        Assert.True(ok);
        Assert.Null(problem);
        Assert.NotNull(value);
        Assert.Equal("Acme <no-reply@acme.example>", value.From);
        Assert.Equal(["support@acme.example"], value.ReplyTo!);
        Assert.Equal("application/pdf", Assert.Single(value.Attachments!)!.ContentType);
        Assert.Equal("1234", value.Metadata!["order_id"]);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero), value.SendAt);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("nonsense")]
    [InlineData("null")]
    public void Malformed_json_is_a_problem_on_the_root(string json)
    {
        var errors = FailedErrors(json);

        Assert.Equal("$", Assert.Single(errors).Key);
    }

    [Theory]
    [InlineData("""{"to": "ana@example.net"}""", "to")]
    [InlineData("""{"to": [1]}""", "to[0]")]
    [InlineData("""{"subject": 5}""", "subject")]
    [InlineData("""{"headers": ["X-Foo"]}""", "headers")]
    [InlineData("""{"send_at": "tomorrow"}""", "send_at")]
    [InlineData("""{"attachments": [{"filename": true}]}""", "attachments[0].filename")]
    public void Wrong_json_type_names_the_field(string json, string field)
    {
        var errors = FailedErrors(json);

        var (key, messages) = Assert.Single(errors);
        Assert.Equal(field, key);
        Assert.Contains("wrong JSON type", Assert.Single(messages), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"from": "a@x.com", "frm": "typo"}""", "frm")]
    [InlineData("""{"attachments": [{"filename": "a", "file_name": "b"}]}""", "attachments[0].file_name")]
    public void Unknown_field_is_rejected_naming_it(string json, string field)
    {
        var errors = FailedErrors(json);

        var (key, messages) = Assert.Single(errors);
        Assert.Equal(field, key);
        Assert.Equal("Unknown field.", Assert.Single(messages));
    }

    [Fact]
    public void Pascal_case_property_names_are_not_the_contract()
    {
        var errors = FailedErrors("""{"ReplyTo": ["a@x.com"]}""");

        Assert.Equal("Unknown field.", Assert.Single(Assert.Single(errors).Value));
    }
}
