using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using EmailRelay.Api.Suppressions;

namespace EmailRelay.UnitTests.Api;

public sealed class SuppressionAddressTests
{
    [Theory]
    [InlineData("ana@example.net", "ana@example.net")]
    [InlineData("  ana+news@example.net ", "ana+news@example.net")]
    [InlineData("Ana@Example.NET", "Ana@Example.NET")]
    [InlineData("ana@bücher.example", "ana@xn--bcher-kva.example")]
    [InlineData("a/b@example.net", "a/b@example.net")]
    public void An_address_is_kept_in_the_envelope_form_accept_gives_its_recipients(string given, string expected)
    {
        var errors = new ValidationErrors();

        var address = SuppressionAddress.Parse(given, "email", errors);

        Assert.Equal(0, errors.Count);
        Assert.Equal(expected, address);
        // The same form a recipient of an accepted email gets, so lower() on both sides matches.
        var recipient = MailboxRules.Envelope([MailboxRules.ParseMailbox(given, "to[0]", new ValidationErrors(), required: true)!], "to").Single();
        Assert.Equal(recipient.Address, address);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("not an address", "not a valid")]
    [InlineData("ana@localhost", "fully qualified")]
    [InlineData("Ana <ana@example.net>", "without a display name")]
    [InlineData("ana@example.net\r\nBcc: x@example.net", "")]
    public void What_is_not_one_address_is_named_under_the_field(string? given, string message)
    {
        var errors = new ValidationErrors();

        Assert.Null(SuppressionAddress.Parse(given, "email", errors));

        var error = Assert.Single(errors.ToDictionary()["email"]);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_part_over_64_octets_is_refused_as_for_a_recipient()
    {
        var errors = new ValidationErrors();

        Assert.Null(SuppressionAddress.Parse(new string('a', 65) + "@example.net", "email", errors));
        Assert.True(errors.Has("email"));
    }

    [Fact]
    public void A_cursor_round_trips_and_a_foreign_one_is_refused()
    {
        var last = new Suppression("ana+x@example.net", "manual", null, null, new DateTime(2026, 11, 29, 14, 0, 0, 123, DateTimeKind.Utc).AddTicks(4560),
            null, Guid.CreateVersion7());

        Assert.True(SuppressionCursor.TryDecode(SuppressionCursor.Encode(last), out var position));
        Assert.Equal(new SuppressionPosition(last.CreatedAt, last.ProjectId, last.Email), position);
        Assert.False(SuppressionCursor.TryDecode("not-a-cursor", out _));
        Assert.False(SuppressionCursor.TryDecode(EmailRelay.Api.Http.Cursor.Encode(Guid.CreateVersion7()), out _));
    }
}
