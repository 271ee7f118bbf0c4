using System.ComponentModel.DataAnnotations;
using System.Text;
using EmailRelay.Data.Bounces;

namespace EmailRelay.UnitTests.Data;

public sealed class VerpTokenTests
{
    private const string Secret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
    private static readonly VerpToken Codec = new(Secret);
    private static readonly Guid MessageId = Guid.CreateVersion7(new DateTimeOffset(2026, 11, 29, 14, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(49)]
    [InlineData(short.MaxValue)]
    public void A_token_decodes_to_the_message_and_recipient_it_was_made_for(short ordinal)
    {
        var token = Codec.Encode(MessageId, ordinal);

        Assert.True(Codec.TryDecode(token, out var messageId, out var decoded));
        Assert.Equal(MessageId, messageId);
        Assert.Equal(ordinal, decoded);
    }

    [Fact]
    public void The_address_its_local_part_and_the_token_alone_all_decode()
    {
        var address = Codec.Address(MessageId, 3, "bounces.example.net");
        var local = address[..address.IndexOf('@')];

        Assert.StartsWith(VerpToken.LocalPartPrefix, address, StringComparison.Ordinal);
        foreach (var form in new[] { address, local, local[VerpToken.LocalPartPrefix.Length..], $"  {address} " })
        {
            Assert.True(Codec.TryDecode(form, out var messageId, out var ordinal), form);
            Assert.Equal((MessageId, (short)3), (messageId, ordinal));
        }
    }

    [Fact]
    public void A_token_survives_an_mta_that_changes_the_letter_case_of_the_local_part()
    {
        var address = Codec.Address(MessageId, 7, "bounces.example.net");

        Assert.Equal(address, address.ToLowerInvariant());
        Assert.True(Codec.TryDecode(address.ToUpperInvariant(), out var messageId, out var ordinal));
        Assert.Equal((MessageId, (short)7), (messageId, ordinal));
    }

    [Fact]
    public void The_local_part_fits_the_64_octets_of_RFC_5321_and_uses_only_lower_case_letters_and_digits()
    {
        var token = Codec.Encode(Guid.AllBitsSet, short.MaxValue);
        var local = VerpToken.LocalPartPrefix + token;

        Assert.Equal(VerpToken.Length, token.Length);
        Assert.True(Encoding.ASCII.GetByteCount(local) <= 64, $"{local.Length} octets");
        Assert.All(token, c => Assert.True(c is >= 'a' and <= 'z' or >= '2' and <= '7', $"'{c}'"));
    }

    [Fact]
    public void Different_recipients_and_messages_get_different_tokens()
    {
        var tokens = new[]
        {
            Codec.Encode(MessageId, 0), Codec.Encode(MessageId, 1), Codec.Encode(Guid.CreateVersion7(), 0),
        };

        Assert.Equal(tokens.Length, tokens.Distinct().Count());
    }

    [Fact]
    public void Every_single_character_change_is_refused()
    {
        var token = Codec.Encode(MessageId, 2);
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        for (var i = 0; i < token.Length; i++)
        {
            foreach (var c in alphabet.Where(c => c != token[i]))
            {
                var altered = string.Concat(token.AsSpan(0, i), c.ToString(), token.AsSpan(i + 1));
                Assert.False(Codec.TryDecode(altered, out _, out _), $"accepted {altered}");
            }
        }
    }

    [Fact]
    public void A_token_made_with_another_secret_is_refused()
    {
        var forger = new VerpToken("another-secret-0123456789abcdefghijklmnopqrstuvwxyz");

        Assert.False(Codec.TryDecode(forger.Encode(MessageId, 0), out var messageId, out _));
        Assert.Equal(Guid.Empty, messageId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bounces@bounces.example.net")]
    [InlineData("bounces+@bounces.example.net")]
    [InlineData("bounces+not-a-token@bounces.example.net")]
    [InlineData("postmaster@example.net")]
    [InlineData("bounces+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example")]
    public void Anything_that_is_not_a_token_is_refused_without_throwing(string? value)
    {
        Assert.False(Codec.TryDecode(value, out _, out _));
    }

    [Fact]
    public void A_truncated_or_extended_token_is_refused()
    {
        var token = Codec.Encode(MessageId, 0);

        Assert.False(Codec.TryDecode(token[..^1], out _, out _));
        Assert.False(Codec.TryDecode(token + "a", out _, out _));
    }

    [Fact]
    public void A_secret_shorter_than_32_characters_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new VerpToken(new string('x', 31)));
    }

    [Fact]
    public void Options_without_a_domain_are_valid_and_turn_verp_off()
    {
        var options = new BounceOptions();

        Assert.Empty(Validate(options));
        Assert.False(options.VerpEnabled);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("too-short")]
    public void A_bounce_domain_needs_a_secret_of_at_least_32_characters(string? secret)
    {
        var results = Validate(new BounceOptions { Domain = "bounces.example.net", Secret = secret });

        var error = Assert.Single(results);
        Assert.Contains("Bounces:Secret", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bounces example.net")]
    [InlineData("-bounces.example.net")]
    [InlineData("bounces..example.net")]
    [InlineData("bøunces.example.net")]
    public void A_bounce_domain_that_is_not_a_domain_name_is_refused(string domain)
    {
        var results = Validate(new BounceOptions { Domain = domain, Secret = Secret });

        Assert.Contains(results, r => r.ErrorMessage!.Contains("Bounces:Domain", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bounce_domain_with_a_long_secret_is_valid()
    {
        Assert.Empty(Validate(new BounceOptions { Domain = "bounces.localhost", Secret = Secret }));
    }

    private static List<ValidationResult> Validate(BounceOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
