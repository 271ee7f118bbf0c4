using System.ComponentModel.DataAnnotations;
using EmailRelay.Sender.Limits;
using Microsoft.Extensions.Configuration;

namespace EmailRelay.UnitTests.Sender;

public sealed class DeliveryLimitsOptionsTests
{
    private static List<ValidationResult> Validate(DeliveryLimitsOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private static string Messages(List<ValidationResult> results) => string.Join(" | ", results.Select(r => r.ErrorMessage));

    private static DeliveryLimitsOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var options = new DeliveryLimitsOptions();
        configuration.GetSection(DeliveryLimitsOptions.Section).Bind(options);
        return options;
    }

    [Fact]
    public void The_defaults_are_valid_and_limit_only_connections()
    {
        var options = new DeliveryLimitsOptions();

        var results = Validate(options);

        Assert.True(results.Count == 0, Messages(results));
        var limits = new DestinationLimitsResolver(options).For("gmail.com");
        Assert.Null(limits.Override);
        Assert.Equal(10, limits.MaxConnectionsPerHost);
        Assert.Equal(100, limits.MaxMessagesPerConnection);
        Assert.Equal(0, limits.MessagesPerSecondPerDomain);
    }

    [Fact]
    public void Overrides_bind_from_the_environment_names_and_fill_unset_fields_from_the_defaults()
    {
        var options = Bind(
            ("Delivery:Limits:MaxConnectionsPerHost", "8"),
            ("Delivery:Limits:Destinations:google:Match", "gmail.com, *.google.com"),
            ("Delivery:Limits:Destinations:google:MaxConnectionsPerHost", "3"),
            ("Delivery:Limits:Destinations:google:MessagesPerSecondPerDomain", "2.5"));

        var results = Validate(options);
        var resolver = new DestinationLimitsResolver(options);

        Assert.True(results.Count == 0, Messages(results));
        var gmail = resolver.For("GMAIL.com.");
        Assert.Equal("google", gmail.Override);
        Assert.Equal(3, gmail.MaxConnectionsPerHost);
        Assert.Equal(2.5, gmail.MessagesPerSecondPerDomain);
        Assert.Equal(3, gmail.Burst);
        Assert.Equal(100, gmail.MaxMessagesPerConnection);
        Assert.Equal("google", resolver.For("gmail-smtp-in.l.google.com").Override);
        Assert.Equal(8, resolver.For("example.org").MaxConnectionsPerHost);
    }

    [Theory]
    [InlineData("mx.example.com", "exact")]
    [InlineData("a.mx.example.com", "deeper")]
    [InlineData("other.example.com", "wide")]
    [InlineData("example.com", null)]          // "*.example.com" is the names under it, not itself
    [InlineData("badexample.com", null)]       // a suffix match must end at a dot
    public void The_most_specific_pattern_wins(string name, string? expected)
    {
        var options = new DeliveryLimitsOptions
        {
            Destinations =
            {
                ["wide"] = new DestinationLimitsOverride { Match = "*.example.com" },
                ["deeper"] = new DestinationLimitsOverride { Match = "*.mx.example.com" },
                ["exact"] = new DestinationLimitsOverride { Match = "mx.example.com" },
            },
        };

        Assert.Empty(Validate(options));
        Assert.Equal(expected, new DestinationLimitsResolver(options).For(name).Override);
    }

    [Theory]
    [InlineData("")]
    [InlineData("exa mple.com")]
    [InlineData("*.")]
    [InlineData("**.example.com")]
    [InlineData("-bad.example.com")]
    [InlineData(" , ")]
    public void A_match_that_names_no_host_is_invalid(string match)
    {
        var options = new DeliveryLimitsOptions { Destinations = { ["x"] = new DestinationLimitsOverride { Match = match } } };

        var results = Validate(options);

        Assert.Contains(results, r => r.ErrorMessage!.StartsWith("Delivery:Limits:Destinations:x", StringComparison.Ordinal));
    }

    [Fact]
    public void A_name_claimed_by_two_overrides_is_invalid()
    {
        var options = new DeliveryLimitsOptions
        {
            Destinations =
            {
                ["a"] = new DestinationLimitsOverride { Match = "example.com" },
                ["b"] = new DestinationLimitsOverride { Match = "other.com,Example.COM" },
            },
        };

        var results = Validate(options);

        Assert.Contains(results, r => r.ErrorMessage!.Contains("'example.com' is also matched by 'a'", StringComparison.Ordinal));
    }

    [Fact]
    public void Out_of_range_values_in_an_override_are_invalid_and_named()
    {
        var options = new DeliveryLimitsOptions
        {
            Destinations = { ["slow"] = new DestinationLimitsOverride { Match = "slow.test", MaxMessagesPerConnection = 0, MaxConnectionsPerHost = -1 } },
        };

        var results = Validate(options);

        Assert.Equal(2, results.Count(r => r.ErrorMessage!.StartsWith("Delivery:Limits:Destinations:slow:", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_backoff_that_starts_above_its_cap_is_invalid_also_when_merged_with_the_defaults()
    {
        Assert.NotEmpty(Validate(new DeliveryLimitsOptions { BackoffInitial = TimeSpan.FromHours(2) }));
        var options = new DeliveryLimitsOptions
        {
            Destinations = { ["x"] = new DestinationLimitsOverride { Match = "x.test", BackoffInitial = TimeSpan.FromHours(2) } },
        };

        Assert.Contains(Validate(options), r => r.ErrorMessage!.Contains("BackoffInitial must not exceed BackoffMax", StringComparison.Ordinal));
    }
}
