using System.Security.Cryptography;
using System.Text;
using EmailRelay.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class WebhookSignerTests
{
    // The Standard Webhooks specification's published signing vector.
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecBody = """{"test": 2432232314}""";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void The_specification_test_vector_signs_to_its_published_signature()
    {
        var signature = WebhookSigner.Sign(SpecId, SpecTimestamp, Encoding.UTF8.GetBytes(SpecBody), WebhookSecret.Key(SpecSecret));

        Assert.Equal(SpecSignature, signature);
    }

    [Fact]
    public void During_a_rotation_the_header_carries_a_signature_for_each_secret_space_separated_current_first()
    {
        var previous = WebhookSecret.New();
        var current = WebhookSecret.New();
        var body = Encoding.UTF8.GetBytes("""{"type":"email.delivered"}""");

        var header = WebhookSigner.Header("0190d5e4-0000-7000-8000-000000000001", 1700000000, body,
            [WebhookSecret.Key(current), WebhookSecret.Key(previous)]);

        var signatures = header.Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.Equal(Expected(current), signatures[0]);
        Assert.Equal(Expected(previous), signatures[1]);

        string Expected(string secret)
        {
            var mac = HMACSHA256.HashData(Convert.FromBase64String(secret["whsec_".Length..]),
                Encoding.UTF8.GetBytes("0190d5e4-0000-7000-8000-000000000001.1700000000." + Encoding.UTF8.GetString(body)));
            return "v1," + Convert.ToBase64String(mac);
        }
    }

    [Fact]
    public void Outside_a_rotation_the_header_is_one_signature()
    {
        var header = WebhookSigner.Header(SpecId, SpecTimestamp, Encoding.UTF8.GetBytes(SpecBody), [WebhookSecret.Key(SpecSecret)]);

        Assert.Equal(SpecSignature, header);
    }

    [Fact]
    public void An_id_with_a_full_stop_is_refused_because_the_signed_content_would_be_ambiguous()
    {
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign("a.b", 1, [], WebhookSecret.Key(SpecSecret)));
    }

    [Fact]
    public void A_new_secret_is_whsec_and_base64_of_32_random_bytes()
    {
        var secrets = Enumerable.Range(0, 20).Select(_ => WebhookSecret.New()).ToList();

        Assert.All(secrets, s =>
        {
            Assert.StartsWith("whsec_", s, StringComparison.Ordinal);
            Assert.Equal(32, Convert.FromBase64String(s["whsec_".Length..]).Length);
            Assert.Equal(32, WebhookSecret.Key(s).Length);
        });
        Assert.Equal(secrets.Count, secrets.Distinct().Count());
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64!")]
    public void A_malformed_secret_is_refused(string secret)
    {
        Assert.Throws<FormatException>(() => WebhookSecret.Key(secret));
    }
}
