using System.Text.Json;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http;

namespace EmailRelay.UnitTests.Api;

public sealed class ProblemsTests
{
    // Built here, not in InlineData: xunit replaces lone surrogates in serialised theory data.
    public static TheoryData<string, string> Values => new()
    {
        { "plain", "plain" },
        { "a\0b", "a\\u0000b" },
        { "\r\n", "\\u000d\\u000a" },
        { (char)0xD800 + "x", "\\ud800x" },
        { "x" + (char)0xDC00, "x\\udc00" },
        { "\ud83d\ude00", "\ud83d\ude00" },
    };

    [Theory]
    [MemberData(nameof(Values), DisableDiscoveryEnumeration = true)]
    public void Printable_escapes_controls_and_lone_surrogates_and_keeps_real_characters(string value, string expected)
    {
        Assert.Equal(expected, Problems.Printable(value));
    }

    [Fact]
    public void A_problem_naming_a_field_the_client_spelled_with_a_lone_surrogate_can_be_written()
    {
        var problem = Problems.Validation(new Dictionary<string, string[]>
        {
            ["metadata.\ud800"] = ["bad key '\ud800'"],
            ["metadata.\udc00"] = ["another"],
        });

        var json = JsonSerializer.Serialize((HttpValidationProblemDetails)problem.ProblemDetails);

        var errors = JsonDocument.Parse(json).RootElement.GetProperty("errors");
        Assert.Equal("bad key '\\ud800'", errors.GetProperty("metadata.\\ud800")[0].GetString());
        Assert.True(errors.TryGetProperty("metadata.\\udc00", out _));
    }

    [Fact]
    public void Field_and_problem_details_are_printable()
    {
        var field = Problems.Field("headers.\u0001", "value '\ud800'");
        var problem = Problems.Problem(StatusCodes.Status404NotFound, "Not found", "No email with id '\0'.");

        Assert.Equal("headers.\\u0001", Assert.Single(((HttpValidationProblemDetails)field.ProblemDetails).Errors).Key);
        Assert.Equal("No email with id '\\u0000'.", problem.ProblemDetails.Detail);
        _ = JsonSerializer.Serialize(field.ProblemDetails);
    }
}
