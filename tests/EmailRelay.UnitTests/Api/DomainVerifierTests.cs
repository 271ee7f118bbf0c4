using EmailRelay.Api.Domains;
using EmailRelay.Dns;

namespace EmailRelay.UnitTests.Api;

/// <summary>What a check decides from DNS answers: per-record results, the key to activate, the status.</summary>
public sealed class DomainVerifierTests
{
    private static readonly DomainOptions Options = new();
    private static readonly TxtLookup None = new(DnsLookupStatus.NameNotFound, [], "NXDOMAIN");
    private static readonly TxtLookup Failed = new(DnsLookupStatus.TemporaryFailure, [], "SERVFAIL");

    [Fact]
    public void A_new_domain_is_verified_and_its_first_key_activated_when_both_required_records_are_found()
    {
        var first = Key("er1", DomainStates.KeyPending, "FIRST");
        var domain = Domain(first);

        var check = DomainVerifier.Evaluate(domain, Options, null, Found(Verification(domain)), [Found("v=DKIM1; k=rsa; p=FIRST")],
            Found("v=spf1 mx a -all"), null);

        Assert.True(check.Verified);
        Assert.Equal(first.Id, check.ActivateKeyId);
        Assert.Equal([("verification", true, "found"), ("dkim", true, "found"), ("spf", false, "found")],
            check.Records.Select(r => (r.Purpose, r.Required, r.Result)));
    }

    [Fact]
    public void A_missing_key_record_keeps_the_domain_pending_and_nothing_is_activated()
    {
        var domain = Domain(Key("er1", DomainStates.KeyPending, "FIRST"));

        var check = DomainVerifier.Evaluate(domain, Options, null, Found(Verification(domain)), [None], None, null);

        Assert.False(check.Verified);
        Assert.Null(check.ActivateKeyId);
        Assert.Equal("not_found", check.Records.Single(r => r.Purpose == "dkim").Result);
        Assert.Equal("not_found", check.Records.Single(r => r.Purpose == "spf").Result);
    }

    [Fact]
    public void A_failed_lookup_decides_nothing_unless_something_required_is_missing_for_sure()
    {
        var domain = Domain(Key("er1", DomainStates.KeyActive, "K"));

        var unknown = DomainVerifier.Evaluate(domain, Options, null, Failed, [Found("v=DKIM1; k=rsa; p=K")], Failed, null);
        Assert.Null(unknown.Verified);
        Assert.Equal("lookup_failed", unknown.Records[0].Result);
        Assert.Contains("SERVFAIL", unknown.Records[0].Detail, StringComparison.Ordinal);

        var missing = DomainVerifier.Evaluate(domain, Options, null, Failed, [None], None, null);
        Assert.False(missing.Verified);
    }

    [Fact]
    public void A_rotation_key_found_becomes_the_signing_key_and_a_missing_one_changes_nothing()
    {
        var active = Key("er1", DomainStates.KeyActive, "OLD");
        var pending = Key("er2", DomainStates.KeyPending, "NEW");
        var domain = Domain(active, pending);
        var verification = Found(Verification(domain));

        var notYet = DomainVerifier.Evaluate(domain, Options, null, verification, [Found("v=DKIM1; k=rsa; p=OLD"), None], None, null);
        Assert.True(notYet.Verified);
        Assert.Null(notYet.ActivateKeyId);
        var pendingCheck = notYet.Records.Single(r => r.Name.StartsWith("er2.", StringComparison.Ordinal));
        Assert.False(pendingCheck.Required);
        Assert.Contains("er1", pendingCheck.Detail, StringComparison.Ordinal);

        // The old record already gone but the new one there: the switch happens and the domain stays verified.
        var switched = DomainVerifier.Evaluate(domain, Options, null, verification, [None, Found("v=DKIM1; k=rsa; p=NEW")], None, null);
        Assert.True(switched.Verified);
        Assert.Equal(pending.Id, switched.ActivateKeyId);
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=KEY", "found")]
    [InlineData("p=KEY", "found")]
    [InlineData("v=DKIM1;k=rsa;p=K E\tY", "found")]
    [InlineData("v=DKIM1; k=ed25519; p=KEY", "wrong_value")]
    [InlineData("v=DKIM1; k=rsa; p=", "wrong_value")]
    [InlineData("v=DKIM1; k=rsa; p=OTHER", "wrong_value")]
    [InlineData("v=DKIM2; p=KEY", "wrong_value")]
    public void A_key_record_counts_when_it_publishes_this_RSA_key(string published, string result)
    {
        var record = DomainRecords.Dkim("acme.example", "er1", "KEY");

        Assert.Equal(result, RecordEvaluation.Dkim(record, "KEY", required: true, Found(published)).Result);
    }

    [Theory]
    [InlineData(new[] { "v=spf1 a mx ~all" }, "found")]
    [InlineData(new[] { "v=spf1 include:_spf.google.com +mx A -all", "google-site-verification=x" }, "found")]
    [InlineData(new[] { "v=spf1 mx -all" }, "wrong_value")]
    [InlineData(new[] { "v=spf1 a mx ~all", "v=spf1 -all" }, "wrong_value")]
    [InlineData(new[] { "google-site-verification=x" }, "not_found")]
    public void The_spf_advice_is_met_by_one_spf_record_naming_every_mechanism(string[] published, string result)
    {
        var record = DomainRecords.Spf("acme.example", ["a", "mx"]);

        Assert.Equal(result, RecordEvaluation.Spf(record, ["a", "mx"], new TxtLookup(DnsLookupStatus.Found, published)).Result);
    }

    [Fact]
    public void The_verification_record_must_hold_this_token()
    {
        var record = DomainRecords.Verification("acme.example", "mytoken");

        Assert.Equal("found", RecordEvaluation.Verification(record, Found("other", " emailrelay-verification=mytoken ")).Result);
        var wrong = RecordEvaluation.Verification(record, Found("emailrelay-verification=theirs"));
        Assert.Equal("wrong_value", wrong.Result);
        Assert.Contains("emailrelay-verification=mytoken", wrong.Detail, StringComparison.Ordinal);
        Assert.Equal("not_found", RecordEvaluation.Verification(record, new TxtLookup(DnsLookupStatus.NoRecords, [])).Result);
    }

    [Fact]
    public void The_return_path_mx_must_name_the_bounce_host()
    {
        var record = DomainRecords.ReturnPath("bounces.example.net", "mx.example.net")!;

        Assert.Equal("found", RecordEvaluation.ReturnPath(record, new MxLookup(DnsLookupStatus.Found, [new MxHost("MX.example.net.", 5)])).Result);
        Assert.Equal("wrong_value", RecordEvaluation.ReturnPath(record, new MxLookup(DnsLookupStatus.Found, [new MxHost("other.example.net", 10)])).Result);
        Assert.Equal("wrong_value", RecordEvaluation.ReturnPath(record, new MxLookup(DnsLookupStatus.Found, [new MxHost(".", 0)])).Result);
        Assert.Equal("not_found", RecordEvaluation.ReturnPath(record, new MxLookup(DnsLookupStatus.NameNotFound, [])).Result);
        Assert.Equal("lookup_failed", RecordEvaluation.ReturnPath(record, new MxLookup(DnsLookupStatus.TemporaryFailure, [], "timeout")).Result);
    }

    private static TxtLookup Found(params string[] records) => new(DnsLookupStatus.Found, records);

    private static string Verification(SendingDomain domain) => VerificationToken.RecordValue(domain.Domain.VerificationToken);

    private static SendingDomain Domain(params DkimKeyRow[] keys) =>
        new(new SendingDomainRow { Id = Guid.NewGuid(), Name = "acme.example", VerificationToken = "tok" }, keys);

    private static DkimKeyRow Key(string selector, string state, string publicKey) =>
        new() { Id = Guid.NewGuid(), Selector = selector, State = state, PublicKey = publicKey, CreatedAt = DateTime.UtcNow };
}
