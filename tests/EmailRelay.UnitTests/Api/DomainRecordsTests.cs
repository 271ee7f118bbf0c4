using EmailRelay.Api.Domains;

namespace EmailRelay.UnitTests.Api;

public sealed class DomainRecordsTests
{
    private static readonly DateTime Created = new(2026, 11, 3, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_new_domain_publishes_verification_its_first_key_spf_and_the_return_path()
    {
        var domain = Domain(Key("er202611abcd", DomainStates.KeyPending, "PUBKEY"));
        var options = new DomainOptions { SpfMechanisms = "ip4:203.0.113.7 include:_spf.example.net", BounceMxHost = "Bounce-MX.example.net." };

        var records = DomainRecords.For(domain, options, "bounces.example.net");

        Assert.Equal(
        [
            new DomainDnsRecord("TXT", "_emailrelay.acme.example", "emailrelay-verification=tokentokentokentokentokentoken22", "verification"),
            new DomainDnsRecord("TXT", "er202611abcd._domainkey.acme.example", "v=DKIM1; k=rsa; p=PUBKEY", "dkim"),
            new DomainDnsRecord("TXT", "acme.example", "v=spf1 ip4:203.0.113.7 include:_spf.example.net ~all", "spf"),
            new DomainDnsRecord("MX", "bounces.example.net", "10 bounce-mx.example.net", "return_path"),
        ], records);
    }

    [Fact]
    public void The_return_path_is_advised_only_when_the_bounce_domain_and_its_mx_host_are_both_set()
    {
        var domain = Domain(Key("er202611abcd", DomainStates.KeyActive, "K"));

        Assert.DoesNotContain(DomainRecords.For(domain, new DomainOptions(), "bounces.example.net"), r => r.Purpose == "return_path");
        Assert.DoesNotContain(DomainRecords.For(domain, new DomainOptions { BounceMxHost = "mx.example.net" }, null), r => r.Purpose == "return_path");
        Assert.Equal("v=spf1 a mx ~all", DomainRecords.For(domain, new DomainOptions(), null).Single(r => r.Purpose == "spf").Value);
    }

    [Fact]
    public void During_a_rotation_both_keys_are_published_the_signing_one_first()
    {
        var domain = Domain(
            Key("er202611newk", DomainStates.KeyPending, "NEW", Created.AddDays(30)),
            Key("er202611oldk", DomainStates.KeyActive, "OLD"));
        Assert.Equal(["er202611oldk._domainkey.acme.example", "er202611newk._domainkey.acme.example"],
            DomainRecords.For(domain, new DomainOptions(), null).Where(r => r.Purpose == "dkim").Select(r => r.Name));

        var switched = Domain(
            Key("er202611oldk", DomainStates.KeyRetiring, "OLD"),
            Key("er202611newk", DomainStates.KeyActive, "NEW", Created.AddDays(30)));
        Assert.Equal(["v=DKIM1; k=rsa; p=NEW", "v=DKIM1; k=rsa; p=OLD"],
            DomainRecords.For(switched, new DomainOptions(), null).Where(r => r.Purpose == "dkim").Select(r => r.Value));
    }

    [Fact]
    public void Selectors_are_er_the_month_and_four_base32_characters()
    {
        var now = new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.FromHours(-5));
        var selectors = Enumerable.Range(0, 200).Select(_ => DkimSelector.New(now)).ToList();

        // The month in UTC: 23:59 at UTC-5 is already December there.
        Assert.All(selectors, s => Assert.Matches("^er202612[a-z2-7]{4}$", s));
        Assert.True(selectors.Distinct().Count() > 150, "the random part varies");
        Assert.All(selectors, s => Assert.Equal(s, DomainName.Normalize(s + ".example", out _)![..s.Length]));
        Assert.Equal("er202612abcd._domainkey.acme.example", DkimSelector.RecordName("er202612abcd", "acme.example"));
    }

    [Fact]
    public void Verification_tokens_carry_160_random_bits_in_base32()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => VerificationToken.New()).ToList();

        Assert.All(tokens, t => Assert.Matches("^[a-z2-7]{32}$", t));
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        // 32 characters of 5 bits: at least 128 bits, as asked.
        Assert.True(VerificationToken.Length * 5 >= 128);
        Assert.Equal("emailrelay-verification=abc", VerificationToken.RecordValue("abc"));
        Assert.Equal("_emailrelay.acme.example", VerificationToken.RecordName("acme.example"));
    }

    [Fact]
    public void A_key_pair_is_RSA_2048_with_the_public_key_as_SubjectPublicKeyInfo()
    {
        using var pair = DkimKeyPair.Generate("er202611abcd");
        using var rsa = System.Security.Cryptography.RSA.Create();

        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(pair.PublicKey), out _);
        Assert.Equal(2048, rsa.KeySize);
        using var privateKey = System.Security.Cryptography.RSA.Create();
        privateKey.ImportPkcs8PrivateKey(pair.PrivateKey, out _);
        Assert.Equal(pair.PublicKey, Convert.ToBase64String(privateKey.ExportSubjectPublicKeyInfo()));
    }

    [Theory]
    [InlineData("a mx", true)]
    [InlineData("ip4:203.0.113.7 include:_spf.example.net", true)]
    [InlineData("", false)]
    [InlineData("a mx ~all", false)]
    [InlineData("a -all", false)]
    [InlineData("a \"mx\"", false)]
    [InlineData("a;mx", false)]
    public void Spf_mechanisms_are_checked_at_start(string mechanisms, bool valid)
    {
        var options = new DomainOptions { SpfMechanisms = mechanisms };
        var results = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();
        Assert.Equal(valid, results.Count == 0);
    }

    private static SendingDomain Domain(params DkimKeyRow[] keys) =>
        new(new SendingDomainRow { Id = Guid.NewGuid(), Name = "acme.example", VerificationToken = "tokentokentokentokentokentoken22", CreatedAt = Created }, keys);

    private static DkimKeyRow Key(string selector, string state, string publicKey, DateTime? created = null) =>
        new() { Id = Guid.NewGuid(), Selector = selector, State = state, PublicKey = publicKey, CreatedAt = created ?? Created };
}
