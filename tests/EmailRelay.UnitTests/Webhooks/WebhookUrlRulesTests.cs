using EmailRelay.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class WebhookUrlRulesTests
{
    [Theory]
    [InlineData("https://hooks.example.com/emailrelay")]
    [InlineData("https://hooks.example.com:8443/a/b?x=1&y=2")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    [InlineData("https://exämple.com/hook")]
    public void An_absolute_https_url_is_accepted(string url)
    {
        Assert.NotNull(WebhookUrlRules.Parse(url, allowHttp: false, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("/relative/path", "absolute")]
    [InlineData("hooks.example.com/x", "absolute")]
    [InlineData("http://hooks.example.com/x", "https://")]
    [InlineData("ftp://hooks.example.com/x", "https://")]
    [InlineData("file:///etc/passwd", "absolute")]
    [InlineData("https://user:secret@hooks.example.com/x", "user information")]
    [InlineData("https://hooks.example.com/x#part", "fragment")]
    [InlineData("https://hooks.example.com/a b", "spaces")]
    [InlineData("https://hooks.example.com/\r\nX-Injected: 1", "spaces")]
    public void A_url_that_is_not_an_absolute_https_url_without_credentials_or_fragment_is_refused(string? url, string reason)
    {
        Assert.Null(WebhookUrlRules.Parse(url, allowHttp: false, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_longer_than_2048_characters_is_refused()
    {
        var url = "https://hooks.example.com/" + new string('a', WebhookUrlRules.MaxLength);

        Assert.Null(WebhookUrlRules.Parse(url, allowHttp: false, out var error));
        Assert.Contains("2048", error, StringComparison.Ordinal);
        Assert.NotNull(WebhookUrlRules.Parse(url[..WebhookUrlRules.MaxLength], allowHttp: false, out _));
    }

    [Fact]
    public void Http_is_accepted_only_where_private_networks_are_allowed()
    {
        Assert.NotNull(WebhookUrlRules.Parse("http://127.0.0.1:8080/hook", allowHttp: true, out _));
        Assert.Null(WebhookUrlRules.Parse("http://127.0.0.1:8080/hook", allowHttp: false, out var error));
        Assert.Contains("Webhooks__AllowPrivateNetworks", error, StringComparison.Ordinal);
    }
}
