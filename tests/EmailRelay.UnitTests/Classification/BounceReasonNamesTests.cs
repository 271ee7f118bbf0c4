using System.Text.RegularExpressions;
using EmailRelay.Classification;

namespace EmailRelay.UnitTests.Classification;

public sealed class BounceReasonNamesTests
{
    // DESIGN.md §4, in its order.
    private static readonly string[] Vocabulary =
    [
        "user_unknown", "mailbox_full", "host_unknown", "filtered", "rejected", "blocked", "expired",
        "network_error", "policy_violation", "require_ptr", "suspend", "spam_detected", "system_error",
        "not_accept", "security_error", "on_hold", "no_relaying", "mailer_error", "too_many_conn",
        "not_compliant_rfc", "has_moved", "mesg_too_big", "exceed_limit", "bad_reputation",
        "virus_detected", "syntax_error", "content_error", "auth_failure", "speeding", "system_full",
        "failed_starttls", "vacation", "feedback", "undefined",
    ];

    public static TheoryData<BounceReason> AllReasons => new(Enum.GetValues<BounceReason>());

    [Theory]
    [MemberData(nameof(AllReasons))]
    public void Every_reason_round_trips_through_snake_case(BounceReason reason)
    {
        var name = reason.ToSnakeCase();

        Assert.Matches(new Regex("^[a-z]+(_[a-z]+)*$"), name);
        Assert.True(BounceReasonNames.TryParse(name, out var parsed));
        Assert.Equal(reason, parsed);
    }

    [Fact]
    public void Names_are_exactly_the_design_vocabulary()
    {
        Assert.Equal(Vocabulary, Enum.GetValues<BounceReason>().Select(r => r.ToSnakeCase()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("User_Unknown")]
    [InlineData("userunknown")]
    [InlineData(" user_unknown")]
    [InlineData("UserUnknown")]
    [InlineData("delivered")]
    public void Unknown_names_do_not_parse(string name)
    {
        Assert.False(BounceReasonNames.TryParse(name, out _));
    }

    [Fact]
    public void An_undefined_enum_value_has_no_name()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((BounceReason)999).ToSnakeCase());
    }
}
