using System.Text;
using EmailRelay.Api.Idempotency;

namespace EmailRelay.UnitTests.Api;

public sealed class IdempotencyKeyTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("order-1234")]
    [InlineData("key with spaces")]
    [InlineData("0195a3b4-5c6d-7e8f-9012-3456789abcde")]
    [InlineData("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")]
    public void Printable_ascii_keys_are_valid(string key)
    {
        Assert.True(IdempotencyStore.IsValidKey(key));
    }

    [Fact]
    public void A_key_of_255_characters_is_valid_and_256_is_not()
    {
        Assert.True(IdempotencyStore.IsValidKey(new string('k', 255)));
        Assert.False(IdempotencyStore.IsValidKey(new string('k', 256)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\tkey")]
    [InlineData("line\nkey")]
    [InlineData("nul\0key")]
    [InlineData("del\u007fkey")]
    [InlineData("clé")]
    [InlineData("emoji😀")]
    public void Empty_control_or_non_ascii_keys_are_invalid(string key)
    {
        Assert.False(IdempotencyStore.IsValidKey(key));
    }

    [Fact]
    public void The_request_hash_is_deterministic_sha256()
    {
        var body = Encoding.UTF8.GetBytes("""{"from":"a@x.com"}""");

        var first = IdempotencyStore.HashRequest("/v1/emails", body);
        var second = IdempotencyStore.HashRequest("/v1/emails", body);

        Assert.Equal(32, first.Length);
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_route_changes_the_request_hash()
    {
        var body = Encoding.UTF8.GetBytes("""{"emails":[]}""");

        Assert.NotEqual(
            IdempotencyStore.HashRequest("/v1/emails", body),
            IdempotencyStore.HashRequest("/v1/emails/batch", body));
    }

    [Fact]
    public void The_body_changes_the_request_hash()
    {
        Assert.NotEqual(
            IdempotencyStore.HashRequest("/v1/emails", Encoding.UTF8.GetBytes("""{"subject":"a"}""")),
            IdempotencyStore.HashRequest("/v1/emails", Encoding.UTF8.GetBytes("""{"subject":"b"}""")));
    }

    [Fact]
    public void An_empty_body_still_hashes_by_route()
    {
        Assert.NotEqual(
            IdempotencyStore.HashRequest("/v1/emails", []),
            IdempotencyStore.HashRequest("/v1/emails/batch", []));
    }
}
