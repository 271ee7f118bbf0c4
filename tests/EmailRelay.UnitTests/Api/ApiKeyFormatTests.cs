using EmailRelay.Api.Auth;

namespace EmailRelay.UnitTests.Api;

public sealed class ApiKeyFormatTests
{
    [Fact]
    public void A_new_key_starts_with_er_live_and_is_base64url()
    {
        var key = ApiKeyFormat.NewKey();

        Assert.StartsWith("er_live_", key, StringComparison.Ordinal);
        var secret = key["er_live_".Length..];
        Assert.Equal(43, secret.Length);   // 32 bytes, unpadded
        Assert.All(secret, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not base64url"));
    }

    [Fact]
    public void Two_new_keys_differ()
    {
        Assert.NotEqual(ApiKeyFormat.NewKey(), ApiKeyFormat.NewKey());
    }

    [Fact]
    public void The_hash_is_32_bytes_and_deterministic()
    {
        var key = ApiKeyFormat.NewKey();

        var first = ApiKeyFormat.Hash(key);
        var second = ApiKeyFormat.Hash(key);

        Assert.Equal(32, first.Length);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_keys_hash_differently()
    {
        Assert.NotEqual(ApiKeyFormat.Hash("er_live_a"), ApiKeyFormat.Hash("er_live_b"));
    }

    [Fact]
    public void The_hash_is_sha256_of_the_utf8_key()
    {
        Assert.Equal(
            Convert.FromHexString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ApiKeyFormat.Hash("abc"));
    }

    [Fact]
    public void The_display_prefix_is_the_first_12_characters()
    {
        var key = ApiKeyFormat.NewKey();

        var prefix = ApiKeyFormat.DisplayPrefix(key);

        Assert.Equal(12, prefix.Length);
        Assert.Equal(key[..12], prefix);
        Assert.StartsWith("er_live_", prefix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("er_live", "er_live")]
    public void The_display_prefix_of_a_short_string_is_the_whole_string(string key, string expected)
    {
        Assert.Equal(expected, ApiKeyFormat.DisplayPrefix(key));
    }
}
