using EmailRelay.Api.Domains;

namespace EmailRelay.UnitTests.Api;

public sealed class DomainNameTests
{
    [Theory]
    [InlineData("acme.example", "acme.example")]
    [InlineData("Acme.EXAMPLE", "acme.example")]
    [InlineData("  acme.example  ", "acme.example")]
    [InlineData("acme.example.", "acme.example")]
    [InlineData("mail.eu.acme.example", "mail.eu.acme.example")]
    [InlineData("a-b.c0.example", "a-b.c0.example")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("BÜCHER.example", "xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.example", "xn--bcher-kva.example")]
    [InlineData("acme.example\r\n", "acme.example")]
    [InlineData("bücher\u3002example", "xn--bcher-kva.example")]
    [InlineData("例え.テスト", "xn--r8jz45g.xn--zckzah")]
    public void A_name_is_stored_lower_case_with_an_IDN_as_its_A_label(string given, string expected)
    {
        Assert.Equal(expected, DomainName.Normalize(given, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData(" \t ", "required")]
    [InlineData("example", "two labels")]
    [InlineData("example.", "two labels")]
    [InlineData("192.0.2.1", "IP address")]
    [InlineData("192.0.2.1.", "IP address")]
    [InlineData("[192.0.2.1]", "IP address")]
    [InlineData("::1", "IP address")]
    [InlineData("[IPv6:2001:db8::1]", "IP address")]
    [InlineData("10.0.0.300", "digits")]
    [InlineData("acme.123", "digits")]
    [InlineData("acme..example", "")]
    [InlineData(".acme.example", "")]
    [InlineData("acme.example..", "")]
    [InlineData("-acme.example", "")]
    [InlineData("acme-.example", "")]
    [InlineData("ac_me.example", "")]
    [InlineData("ac me.example", "spaces")]
    [InlineData("xn--zz.example", "")]
    [InlineData("\u2603.example", "letters, digits")]
    [InlineData("a\ufffdb.example", "letters, digits")]
    [InlineData("acme\u0000.example", "control")]
    [InlineData("*.acme.example", "")]
    [InlineData("acme.example/path", "")]
    [InlineData("user@acme.example", "")]
    public void What_is_not_a_domain_name_is_refused_with_a_reason(string? given, string reason)
    {
        Assert.Null(DomainName.Normalize(given, out var error));
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_hold_at_most_63_characters_and_the_name_253()
    {
        Assert.NotNull(DomainName.Normalize(new string('a', 63) + ".example", out _));
        Assert.Null(DomainName.Normalize(new string('a', 64) + ".example", out _));

        // 3 × 63 + 61 and 3 dots = 253.
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61);
        Assert.Equal(253, longest.Length);
        Assert.Equal(longest, DomainName.Normalize(longest, out _));
        Assert.Null(DomainName.Normalize("b." + longest, out var error));
        Assert.Contains("253", error, StringComparison.Ordinal);
        Assert.Null(DomainName.Normalize(new string('a', 5000) + ".example", out _));
    }

    [Fact]
    public void A_lone_surrogate_is_refused_before_any_IDN_work()
    {
        Assert.Null(DomainName.Normalize("acme" + '\ud800' + ".example", out var error));
        Assert.Contains("control", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_IDN_is_measured_in_its_A_label_form()
    {
        // 20 "ü" make a label of 20 characters but a longer A-label; 60 of them are over 63 once encoded.
        Assert.NotNull(DomainName.Normalize(new string('ü', 20) + ".example", out _));
        Assert.Null(DomainName.Normalize(new string('ü', 60) + ".example", out _));
    }
}
