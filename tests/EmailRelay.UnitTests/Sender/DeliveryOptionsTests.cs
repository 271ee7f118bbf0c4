using System.ComponentModel.DataAnnotations;
using EmailRelay.Sender.Delivery;
using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.UnitTests.Sender;

public sealed class DeliveryOptionsTests
{
    /// <summary>
    /// What the options validation at start-up sees: the attributes on every property and, when
    /// they pass, <see cref="IValidatableObject.Validate"/> (which checks the smarthost too).
    /// </summary>
    private static List<ValidationResult> Validate(DeliveryOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private static string Messages(List<ValidationResult> results) => string.Join(" | ", results.Select(r => r.ErrorMessage));

    [Fact]
    public void The_defaults_are_valid()
    {
        var results = Validate(new DeliveryOptions());

        Assert.True(results.Count == 0, Messages(results));
    }

    [Fact]
    public void The_default_retry_schedule_and_lifetime_match_the_design()
    {
        var options = new DeliveryOptions();

        Assert.Equal(7, RetrySchedule.Parse(options.RetrySchedule, options.RetryJitter).Delays.Count);
        Assert.Equal(TimeSpan.FromHours(72), new EmailRelay.Api.Emails.AcceptOptions().MaxQueueLifetime);
    }

    [Fact]
    public void Credentials_over_tls_required_are_valid()
    {
        var options = new DeliveryOptions
        {
            Smarthost = new SmarthostOptions { Username = "relay", Password = "secret", Tls = TlsMode.Required },
        };

        var results = Validate(options);

        Assert.True(results.Count == 0, Messages(results));
    }

    [Theory]
    [InlineData(TlsMode.None)]
    [InlineData(TlsMode.Opportunistic)]
    public void A_username_without_tls_required_is_invalid(TlsMode tls)
    {
        var options = new DeliveryOptions
        {
            Smarthost = new SmarthostOptions { Username = "relay", Password = "secret", Tls = tls },
        };

        var result = Assert.Single(Validate(options));

        Assert.Contains("Tls", result.ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("Delivery:Smarthost:", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Tls", result.MemberNames);
    }

    [Fact]
    public void A_username_without_a_password_is_invalid()
    {
        var options = new DeliveryOptions
        {
            Smarthost = new SmarthostOptions { Username = "relay", Tls = TlsMode.Required },
        };

        var result = Assert.Single(Validate(options));

        Assert.Contains("Password", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_without_a_username_is_invalid()
    {
        var options = new DeliveryOptions
        {
            Smarthost = new SmarthostOptions { Password = "secret", Tls = TlsMode.Required },
        };

        Assert.Single(Validate(options));
    }

    [Fact]
    public void An_empty_retry_schedule_is_invalid()
    {
        var options = new DeliveryOptions { RetrySchedule = "" };

        var result = Assert.Single(Validate(options));

        Assert.Contains(nameof(DeliveryOptions.RetrySchedule), result.MemberNames);
    }

    [Theory]
    [InlineData(" , ")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("1m,-5m")]
    public void A_bad_retry_schedule_is_invalid_naming_the_setting(string schedule)
    {
        var options = new DeliveryOptions { RetrySchedule = schedule };

        var results = Validate(options);

        var result = Assert.Single(results);
        Assert.StartsWith("Delivery:RetrySchedule:", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(DeliveryOptions.RetrySchedule), result.MemberNames);
    }

    [Fact]
    public void A_retry_delay_too_long_for_a_TimeSpan_is_reported_as_invalid_rather_than_thrown()
    {
        var options = new DeliveryOptions { RetrySchedule = "1m,99999999999d" };

        List<ValidationResult>? results = null;
        var exception = Record.Exception(() => results = Validate(options));

        Assert.Null(exception);
        Assert.Contains(results!, r => r.MemberNames.Contains(nameof(DeliveryOptions.RetrySchedule)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void A_smarthost_port_out_of_range_is_invalid(int port)
    {
        var options = new DeliveryOptions { Smarthost = new SmarthostOptions { Port = port } };

        var result = Assert.Single(Validate(options));

        Assert.StartsWith("Delivery:Smarthost:", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Port", result.MemberNames);
    }

    [Fact]
    public void A_missing_smarthost_host_is_invalid()
    {
        var options = new DeliveryOptions { Smarthost = new SmarthostOptions { Host = null! } };

        Assert.Single(Validate(options));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Jitter_outside_zero_to_one_is_invalid(double jitter)
    {
        var options = new DeliveryOptions { RetryJitter = jitter };

        Assert.Contains(Validate(options), r => r.MemberNames.Contains(nameof(DeliveryOptions.RetryJitter)));
    }

    [Fact]
    public void A_queue_lifetime_over_thirty_days_is_invalid()
    {
        var options = new EmailRelay.Api.Emails.AcceptOptions { MaxQueueLifetime = TimeSpan.FromDays(31) };
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.Contains(results, r => r.MemberNames.Contains(nameof(EmailRelay.Api.Emails.AcceptOptions.MaxQueueLifetime)));
    }

    [Fact]
    public void Several_problems_are_all_reported()
    {
        var options = new DeliveryOptions
        {
            RetrySchedule = "soon",
            Smarthost = new SmarthostOptions { Username = "relay", Tls = TlsMode.None },
        };

        Assert.Equal(3, Validate(options).Count);
    }
}

public sealed class RoutingOptionsTests
{
    private static List<ValidationResult> Validate(DeliveryOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private static DeliveryOptions WithRoute(string name, NamedRouteOptions route) =>
        new() { Routes = new Dictionary<string, NamedRouteOptions> { [name] = route } };

    [Fact]
    public void A_valid_route_and_direct_mode_pass()
    {
        var options = WithRoute("partner", new NamedRouteOptions
        {
            Domains = "partner.example, *.partner.example", Host = "relay.partner.example", Port = 587, Tls = TlsMode.Required,
            Username = "u", Password = "p",
        });
        options.Mode = EmailRelay.Sender.Routing.DeliveryMode.Direct;

        var results = Validate(options);

        Assert.True(results.Count == 0, string.Join(" | ", results.Select(r => r.ErrorMessage)));
    }

    [Theory]
    [InlineData("", "relay.test", "Delivery:Routes:partner: Domains is required")]
    [InlineData("partner.example", "", "Delivery:Routes:partner: Host is required")]
    [InlineData("bad domain!", "relay.test", "Delivery:Routes:partner: Domains: 'bad domain!' is not a domain")]
    [InlineData("*.*.example", "relay.test", "Delivery:Routes:partner: Domains: '*.*.example' is not a domain")]
    public void A_broken_route_is_named_in_the_message(string domains, string host, string expected)
    {
        var results = Validate(WithRoute("partner", new NamedRouteOptions { Domains = domains, Host = host }));

        Assert.Contains(results, r => r.ErrorMessage!.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_route_with_credentials_requires_TLS()
    {
        var results = Validate(WithRoute("partner", new NamedRouteOptions
        {
            Domains = "partner.example", Host = "relay.test", Tls = TlsMode.Opportunistic, Username = "u", Password = "p",
        }));

        Assert.Contains(results, r => r.ErrorMessage == "Delivery:Routes:partner: Username is set, so Tls must be 'required' (AUTH only over TLS).");
    }

    [Fact]
    public void A_domain_in_two_routes_is_refused()
    {
        var options = new DeliveryOptions
        {
            Routes = new Dictionary<string, NamedRouteOptions>
            {
                ["a"] = new() { Domains = "shared.example", Host = "a.test" },
                ["b"] = new() { Domains = "Shared.Example,other.example", Host = "b.test" },
            },
        };

        var results = Validate(options);

        Assert.Contains(results, r => r.ErrorMessage == "Delivery:Routes: 'shared.example' is in more than one route (a, b).");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void The_direct_port_must_be_a_port(int port)
    {
        var results = Validate(new DeliveryOptions { Direct = new EmailRelay.Sender.Routing.DirectOptions { Port = port } });

        Assert.Contains(results, r => r.ErrorMessage!.StartsWith("Delivery:Direct:", StringComparison.Ordinal));
    }

    [Fact]
    public void Direct_delivery_defaults_to_port_25_and_opportunistic_TLS()
    {
        var direct = new DeliveryOptions().Direct;

        Assert.Equal(25, direct.Port);
        Assert.Equal(TlsMode.Opportunistic, direct.Tls);
        Assert.Equal(EmailRelay.Sender.Routing.DeliveryMode.Smarthost, new DeliveryOptions().Mode);
    }
}
