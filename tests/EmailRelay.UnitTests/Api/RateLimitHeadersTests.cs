using System.ComponentModel.DataAnnotations;
using EmailRelay.Api.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace EmailRelay.UnitTests.Api;

public sealed class RateLimitHeadersTests
{
    [Fact]
    public void Admitted_request_gets_both_fields_and_no_retry_after()
    {
        IHeaderDictionary headers = new HeaderDictionary();
        RateLimitHeaders.Write(headers, new RateLimitDecision(true, 4, 6.2, 5, 10));

        Assert.Equal("\"emails\";q=10;w=2", headers["RateLimit-Policy"].ToString());
        Assert.Equal("\"emails\";r=6;t=1", headers["RateLimit"].ToString());
        Assert.False(headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public void Refused_request_gets_retry_after_and_the_same_value_as_its_window()
    {
        IHeaderDictionary headers = new HeaderDictionary();
        RateLimitHeaders.Write(headers, new RateLimitDecision(false, 7, 6.004, 0.01, 10));

        // (7 - 6.004) / 0.01 = 99.6 s.
        Assert.Equal("100", headers.RetryAfter.ToString());
        Assert.Equal("\"emails\";q=10;w=1000", headers["RateLimit-Policy"].ToString());
        Assert.Equal("\"emails\";r=6;t=100", headers["RateLimit"].ToString());
    }

    [Fact]
    public void Concurrency_refusal_names_its_own_policy_with_the_registered_unit()
    {
        IHeaderDictionary headers = new HeaderDictionary();
        RateLimitHeaders.WriteConcurrency(headers, 32, 1);

        Assert.Equal("\"concurrency\";q=32;qu=\"concurrent-requests\"", headers["RateLimit-Policy"].ToString());
        Assert.Equal("\"concurrency\";r=0", headers["RateLimit"].ToString());
        Assert.Equal("1", headers.RetryAfter.ToString());
    }

    [Fact]
    public void Options_defaults_are_valid_and_a_zero_rate_is_not()
    {
        var options = new RateLimitOptions();
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));

        options.PerSecond = 0;
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(RateLimitOptions.PerSecond)));
    }
}
