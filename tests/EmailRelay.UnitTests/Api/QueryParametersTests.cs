using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EmailRelay.UnitTests.Api;

public sealed class QueryParametersTests
{
    private static IQueryCollection Query(params (string Name, string[] Values)[] parameters) =>
        new QueryCollection(parameters.ToDictionary(p => p.Name, p => new StringValues(p.Values)));

    public static TheoryData<string> Unprintable => new() { "a\0b", "\u0001", "x\r\ny", ((char)0xD800).ToString() };

    [Theory]
    [MemberData(nameof(Unprintable), DisableDiscoveryEnumeration = true)]
    public void A_text_filter_with_control_characters_or_a_lone_surrogate_is_an_error_naming_it(string value)
    {
        var errors = new ValidationErrors();

        Assert.Null(QueryParameters.Text(Query(("recipient", [value])), "recipient", errors));
        Assert.Contains("recipient", errors.ToDictionary().Keys);
    }

    [Fact]
    public void A_text_filter_longer_than_any_address_is_an_error()
    {
        var errors = new ValidationErrors();

        QueryParameters.Text(Query(("tag", [new string('t', QueryParameters.MaxTextLength + 1)])), "tag", errors);

        Assert.Contains("tag", errors.ToDictionary().Keys);
    }

    [Fact]
    public void An_ordinary_text_filter_is_returned_as_given()
    {
        var errors = new ValidationErrors();

        Assert.Equal("jürgen@example.net", QueryParameters.Text(Query(("recipient", ["jürgen@example.net"])), "recipient", errors));
        Assert.Null(QueryParameters.Text(Query(), "recipient", errors));
        Assert.Equal(0, errors.Count);
    }

    [Theory]
    [InlineData("limit")]
    [InlineData("cursor")]
    [InlineData("since")]
    [InlineData("status")]
    [InlineData("recipient")]
    public void A_parameter_given_twice_is_an_error_naming_it(string name)
    {
        var query = Query((name, ["1", "2"]));
        var errors = new ValidationErrors();

        _ = name switch
        {
            "limit" => QueryParameters.Limit(query, errors),
            "cursor" => (object?)QueryParameters.After(query, errors),
            "since" => QueryParameters.Time(query, "since", errors),
            "status" => QueryParameters.OneOf(query, "status", ["1", "2"], errors),
            _ => QueryParameters.Text(query, name, errors),
        };

        Assert.Contains("given once", Assert.Single(errors.ToDictionary()[name]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_with_an_offset_is_returned_in_utc()
    {
        var errors = new ValidationErrors();

        var since = QueryParameters.Time(Query(("since", ["2026-01-01T02:00:00+02:00"])), "since", errors);

        Assert.Equal(TimeSpan.Zero, since!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), since.Value);
    }
}
