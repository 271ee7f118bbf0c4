using EmailRelay.Api.Emails;
using static EmailRelay.UnitTests.Api.TestEmails;

namespace EmailRelay.UnitTests.Api;

public sealed class EmailValidatorTests
{
    // ---- required parts ----------------------------------------------------------------------

    [Fact]
    public void The_sample_request_is_valid_and_keeps_its_addresses()
    {
        var email = Valid(Request());

        Assert.Equal("no-reply@acme.example", email.From.Address);
        Assert.Equal("Acme", email.From.Name);
        var recipient = Assert.Single(email.Recipients);
        Assert.Equal(new RecipientAddress("ana@example.net", "example.net", "to"), recipient);
        Assert.Null(email.SendAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_from_is_rejected_naming_the_field(string? from)
    {
        var request = Request();
        request.From = from;

        Assert.Contains("from", Errors(request).Keys);
    }

    [Fact]
    public void No_recipient_field_at_all_is_rejected_on_to()
    {
        var request = Request();
        request.To = null;

        Assert.Contains("to", Errors(request).Keys);
    }

    [Fact]
    public void Empty_recipient_lists_are_rejected_on_to()
    {
        var request = Request();
        request.To = [];
        request.Cc = [];
        request.Bcc = [];

        Assert.Contains("to", Errors(request).Keys);
    }

    [Fact]
    public void A_bcc_only_recipient_is_enough()
    {
        var request = Request();
        request.To = null;
        request.Bcc = ["hidden@example.org"];

        var recipient = Assert.Single(Valid(request).Recipients);
        Assert.Equal("bcc", recipient.Kind);
    }

    [Fact]
    public void A_null_entry_in_to_is_rejected_at_its_index()
    {
        var request = Request();
        request.To = ["ana@example.net", null];

        Assert.Contains("to[1]", Errors(request).Keys);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("", null)]
    public void Missing_body_is_rejected_on_text(string? text, string? html)
    {
        var request = Request();
        request.Text = text;
        request.Html = html;

        Assert.Contains("text", Errors(request).Keys);
    }

    [Fact]
    public void An_html_only_body_is_enough()
    {
        var request = Request();
        request.Text = null;
        request.Html = "<p>hi</p>";

        Valid(request);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once()
    {
        var request = Request();
        request.From = null;
        request.Text = null;
        request.Tags = [""];

        var errors = Errors(request);

        Assert.Contains("from", errors.Keys);
        Assert.Contains("text", errors.Keys);
        Assert.Contains("tags[0]", errors.Keys);
    }

    // ---- recipient count ---------------------------------------------------------------------

    [Fact]
    public void Fifty_recipients_over_to_cc_and_bcc_are_accepted()
    {
        var request = Request();
        request.To = Addresses("to", 20);
        request.Cc = Addresses("cc", 20);
        request.Bcc = Addresses("bcc", 10);

        Assert.Equal(50, Valid(request).Recipients.Count);
    }

    [Fact]
    public void Fifty_one_recipients_are_rejected_on_to()
    {
        var request = Request();
        request.To = Addresses("to", 20);
        request.Cc = Addresses("cc", 20);
        request.Bcc = Addresses("bcc", 11);

        var errors = Errors(request);

        var message = Assert.Single(errors["to"]);
        Assert.Contains("51", message, StringComparison.Ordinal);
    }

    private static List<string?> Addresses(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i}@example.net")];

    // ---- header injection ----------------------------------------------------------------------

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\0")]
    public void Subject_with_a_line_break_or_nul_is_rejected_naming_the_field(string bad)
    {
        var request = Request();
        request.Subject = $"Hello{bad}Bcc: victim@example.org";

        Assert.Contains("subject", Errors(request).Keys);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\0")]
    public void Header_value_with_a_line_break_or_nul_is_rejected_naming_the_header(string bad)
    {
        var request = Request();
        request.Headers = new() { ["X-Foo"] = $"one{bad}Bcc: victim@example.org" };

        Assert.Contains("headers.X-Foo", Errors(request).Keys);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\0")]
    public void Display_name_with_a_line_break_or_nul_is_rejected_at_its_index(string bad)
    {
        var request = Request();
        request.To = ["ana@example.net", $"\"Bob{bad}Bcc: victim@example.org\" <bob@example.org>"];

        var errors = Errors(request);

        Assert.Contains("to[1]", errors.Keys);
        Assert.DoesNotContain("to[0]", errors.Keys);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\0")]
    public void From_display_name_with_a_line_break_or_nul_is_rejected(string bad)
    {
        var request = Request();
        request.From = $"Acme{bad} <no-reply@acme.example>";

        Assert.Contains("from", Errors(request).Keys);
    }

    [Fact]
    public void Nul_in_the_text_body_is_rejected()
    {
        var request = Request();
        request.Text = "a\0b";

        Assert.Contains("text", Errors(request).Keys);
    }

    [Fact]
    public void Line_breaks_in_the_body_are_fine()
    {
        var request = Request();
        request.Text = "line one\r\nline two\nline three";

        Valid(request);
    }

    [Fact]
    public void Subject_longer_than_998_characters_is_rejected()
    {
        var request = Request();
        request.Subject = new string('s', 999);

        Assert.Contains("subject", Errors(request).Keys);
    }

    // ---- custom headers ------------------------------------------------------------------------

    [Theory]
    [InlineData("From")]
    [InlineData("to")]
    [InlineData("CC")]
    [InlineData("Bcc")]
    [InlineData("SUBJECT")]
    [InlineData("Message-ID")]
    [InlineData("message-id")]
    [InlineData("Date")]
    [InlineData("MIME-Version")]
    [InlineData("Content-Type")]
    [InlineData("content-transfer-encoding")]
    [InlineData("Content-Anything")]
    [InlineData("DKIM-Signature")]
    [InlineData("dkim-signature")]
    [InlineData("Return-Path")]
    public void Reserved_header_is_rejected_whatever_its_case(string name)
    {
        var request = Request();
        request.Headers = new() { [name] = "value" };

        Assert.Contains($"headers.{name}", Errors(request).Keys);
    }

    [Theory]
    [InlineData("X Foo")]
    [InlineData("X-Foo:")]
    [InlineData("X:Foo")]
    [InlineData("")]
    [InlineData("X-Föo")]
    [InlineData("X-Foo\t")]
    public void Header_name_that_is_not_a_printable_token_is_rejected(string name)
    {
        var request = Request();
        request.Headers = new() { [name] = "value" };

        Assert.Contains($"headers.{name}", Errors(request).Keys);
    }

    [Fact]
    public void Header_without_a_value_is_rejected()
    {
        var request = Request();
        request.Headers = new() { ["X-Foo"] = null };

        Assert.Contains("headers.X-Foo", Errors(request).Keys);
    }

    [Theory]
    [InlineData("X-Campaign")]
    [InlineData("List-Unsubscribe")]
    [InlineData("Contentious")]
    public void Ordinary_custom_headers_are_accepted(string name)
    {
        var request = Request();
        request.Headers = new() { [name] = "value" };

        Valid(request);
    }

    // ---- addresses -----------------------------------------------------------------------------

    [Theory]
    [InlineData("ana")]
    [InlineData("ana.example.net")]
    [InlineData("ana@localhost")]
    [InlineData("ana@")]
    [InlineData("@example.net")]
    [InlineData("a@x.com, b@y.com")]
    [InlineData("a@x.com b@y.com")]
    [InlineData("Friends: a@x.com, b@y.com;")]
    [InlineData("Undisclosed recipients:;")]
    [InlineData("<@relay.example:user@x.com>")]
    [InlineData("Ana <ana@example.net")]
    public void Invalid_recipient_address_is_rejected_at_its_index(string address)
    {
        var request = Request();
        request.To = ["ok@example.net", address];

        var errors = Errors(request);

        Assert.Contains("to[1]", errors.Keys);
        Assert.DoesNotContain("to[0]", errors.Keys);
    }

    [Theory]
    [InlineData("cc")]
    [InlineData("bcc")]
    [InlineData("reply_to")]
    public void Invalid_address_in_other_lists_is_reported_under_that_list(string list)
    {
        var request = Request();
        switch (list)
        {
            case "cc": request.Cc = ["nope"]; break;
            case "bcc": request.Bcc = ["nope"]; break;
            default: request.ReplyTo = ["nope"]; break;
        }

        Assert.Contains($"{list}[0]", Errors(request).Keys);
    }

    [Theory]
    [InlineData("no-reply")]
    [InlineData("a@x.com, b@y.com")]
    [InlineData("Team: a@x.com;")]
    public void Invalid_from_is_rejected(string from)
    {
        var request = Request();
        request.From = from;

        Assert.Contains("from", Errors(request).Keys);
    }

    [Theory]
    [InlineData("ana@example.net", "ana@example.net")]
    [InlineData("Ana <ana@example.net>", "ana@example.net")]
    [InlineData("\"Doe, Jane\" <jane@example.net>", "jane@example.net")]
    [InlineData("Jane Doe <jane.doe+receipts@mail.example.net>", "jane.doe+receipts@mail.example.net")]
    public void Mailbox_forms_are_accepted(string value, string envelope)
    {
        var request = Request();
        request.To = [value];

        Assert.Equal(envelope, Assert.Single(Valid(request).Recipients).Address);
    }

    [Fact]
    public void Internationalised_domain_is_accepted_and_the_envelope_uses_punycode()
    {
        var request = Request();
        request.To = ["user@bücher.example"];

        var recipient = Assert.Single(Valid(request).Recipients);

        Assert.Equal("user@xn--bcher-kva.example", recipient.Address);
        Assert.Equal("xn--bcher-kva.example", recipient.Domain);
    }

    [Fact]
    public void Recipient_domain_is_lower_cased()
    {
        var request = Request();
        request.To = ["Ana@Example.NET"];

        Assert.Equal("example.net", Assert.Single(Valid(request).Recipients).Domain);
    }

    [Fact]
    public void Duplicates_across_to_cc_and_bcc_collapse_keeping_the_first_kind()
    {
        var request = Request();
        request.To = ["ana@example.net"];
        request.Cc = ["Ana Again <ANA@example.net>", "carl@example.org"];
        request.Bcc = ["ana@example.net", "bob@example.org", "carl@example.org"];

        var recipients = Valid(request).Recipients;

        Assert.Equal(
            [("ana@example.net", "to"), ("carl@example.org", "cc"), ("bob@example.org", "bcc")],
            recipients.Select(r => (r.Address, r.Kind)));
    }

    [Fact]
    public void Bcc_recipients_are_in_the_envelope_but_not_in_the_visible_lists()
    {
        var request = Request();
        request.Bcc = ["hidden@example.org"];

        var email = Valid(request);

        Assert.Contains(email.Recipients, r => r.Address == "hidden@example.org" && r.Kind == "bcc");
        Assert.DoesNotContain(email.To.Concat(email.Cc), m => m.Address == "hidden@example.org");
    }

    // ---- tags and metadata ---------------------------------------------------------------------

    [Fact]
    public void Ten_tags_of_64_characters_are_accepted()
    {
        var request = Request();
        request.Tags = [.. Enumerable.Range(0, 10).Select(i => $"{i}{new string('t', 63)}")];

        Valid(request);
    }

    [Fact]
    public void Eleven_tags_are_rejected()
    {
        var request = Request();
        request.Tags = [.. Enumerable.Range(0, 11).Select(i => $"tag{i}")];

        Assert.Contains("tags", Errors(request).Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\there")]
    [InlineData(null)]
    public void Empty_or_control_character_tag_is_rejected_at_its_index(string? tag)
    {
        var request = Request();
        request.Tags = ["fine", tag];

        var errors = Errors(request);

        Assert.Contains("tags[1]", errors.Keys);
        Assert.DoesNotContain("tags[0]", errors.Keys);
    }

    [Fact]
    public void Tag_of_65_characters_is_rejected()
    {
        var request = Request();
        request.Tags = [new string('t', 65)];

        Assert.Contains("tags[0]", Errors(request).Keys);
    }

    [Fact]
    public void Twenty_metadata_pairs_are_accepted()
    {
        var request = Request();
        request.Metadata = Enumerable.Range(0, 20).ToDictionary(i => $"k{i}", i => (string?)$"v{i}");

        Valid(request);
    }

    [Fact]
    public void Twenty_one_metadata_pairs_are_rejected()
    {
        var request = Request();
        request.Metadata = Enumerable.Range(0, 21).ToDictionary(i => $"k{i}", i => (string?)$"v{i}");

        Assert.Contains("metadata", Errors(request).Keys);
    }

    [Fact]
    public void Null_metadata_value_is_rejected_naming_the_key()
    {
        var request = Request();
        request.Metadata = new() { ["order_id"] = null };

        Assert.Contains("metadata.order_id", Errors(request).Keys);
    }

    [Fact]
    public void Metadata_key_longer_than_64_characters_is_rejected()
    {
        var key = new string('k', 65);
        var request = Request();
        request.Metadata = new() { [key] = "v" };

        Assert.Contains($"metadata.{key}", Errors(request).Keys);
    }

    // ---- send_at -------------------------------------------------------------------------------

    [Fact]
    public void Send_at_more_than_72_hours_ahead_is_rejected()
    {
        var request = Request();
        request.SendAt = Now + TimeSpan.FromHours(72) + TimeSpan.FromSeconds(1);

        Assert.Contains("send_at", Errors(request).Keys);
    }

    [Fact]
    public void Send_at_exactly_72_hours_ahead_is_accepted()
    {
        var request = Request();
        request.SendAt = Now + TimeSpan.FromHours(72);

        Assert.Equal(Now + TimeSpan.FromHours(72), Valid(request).SendAt);
    }

    [Fact]
    public void Send_at_in_another_offset_is_kept_as_utc()
    {
        var request = Request();
        request.SendAt = new DateTimeOffset(2025, 3, 1, 16, 0, 0, TimeSpan.FromHours(2));

        var sendAt = Valid(request).SendAt;

        Assert.Equal(TimeSpan.Zero, sendAt!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.Zero), sendAt.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-86400)]
    public void Send_at_now_or_in_the_past_means_send_now(int secondsFromNow)
    {
        var request = Request();
        request.SendAt = Now.AddSeconds(secondsFromNow);

        Assert.Null(Valid(request).SendAt);
    }

    // ---- attachments ---------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Attachment_without_a_filename_is_rejected(string? filename)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = filename, Content = Base64("x") }];

        Assert.Contains("attachments[0].filename", Errors(request).Keys);
    }

    [Fact]
    public void Attachment_filename_with_a_line_break_is_rejected()
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "a\r\nb.txt", Content = Base64("x") }];

        Assert.Contains("attachments[0].filename", Errors(request).Keys);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("abc")]
    [InlineData("====")]
    public void Attachment_with_bad_base64_is_rejected(string content)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "a.txt", Content = content }];

        Assert.Contains("attachments[0].content", Errors(request).Keys);
    }

    [Fact]
    public void Attachment_without_content_is_rejected()
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "a.txt" }];

        Assert.Contains("attachments[0].content", Errors(request).Keys);
    }

    [Fact]
    public void Null_attachment_is_rejected_at_its_index()
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "a.txt", Content = Base64("x") }, null];

        var errors = Errors(request);

        Assert.Contains("attachments[1]", errors.Keys);
        Assert.DoesNotContain(errors.Keys, k => k.StartsWith("attachments[0]", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("report.pdf", "application/pdf")]
    [InlineData("photo.png", "image/png")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("page.HTML", "text/html")]
    [InlineData("mystery.unknown-extension", "application/octet-stream")]
    public void Attachment_content_type_is_inferred_from_the_filename_when_absent(string filename, string expected)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = filename, Content = Base64("x") }];

        var attachment = Assert.Single(Valid(request).Attachments);

        Assert.Equal(expected, attachment.ContentType.MimeType);
    }

    [Fact]
    public void Given_attachment_content_type_wins_over_the_filename()
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "data.txt", ContentType = "text/csv", Content = Base64("a,b") }];

        Assert.Equal("text/csv", Assert.Single(Valid(request).Attachments).ContentType.MimeType);
    }

    [Theory]
    [InlineData("not a type")]
    [InlineData("text/plain\r\nBcc: victim@example.org")]
    public void Bad_attachment_content_type_is_rejected(string contentType)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "a.txt", ContentType = contentType, Content = Base64("x") }];

        Assert.Contains("attachments[0].content_type", Errors(request).Keys);
    }

    [Theory]
    [InlineData("<logo>")]
    [InlineData("logo>")]
    [InlineData("lo go")]
    [InlineData("")]
    [InlineData("lögo")]
    [InlineData("logo\r\n")]
    public void Attachment_content_id_with_brackets_spaces_or_non_ascii_is_rejected(string contentId)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "logo.png", Content = Base64("x"), ContentId = contentId }];

        Assert.Contains("attachments[0].content_id", Errors(request).Keys);
    }

    [Fact]
    public void Attachment_content_is_decoded_and_content_id_kept()
    {
        byte[] bytes = [0, 1, 2, 250, 255, 13, 10];
        var request = Request();
        request.Html = "<img src=\"cid:logo@acme\">";
        request.Attachments = [new AttachmentRequest { Filename = "logo.png", Content = Convert.ToBase64String(bytes), ContentId = "logo@acme" }];

        var attachment = Assert.Single(Valid(request).Attachments);

        Assert.Equal(bytes, attachment.Content);
        Assert.Equal("logo@acme", attachment.ContentId);
        Assert.Equal("logo.png", attachment.Filename);
    }

    [Fact]
    public void Second_bad_attachment_is_reported_at_index_one()
    {
        var request = Request();
        request.Attachments =
        [
            new AttachmentRequest { Filename = "a.txt", Content = Base64("x") },
            new AttachmentRequest { Filename = "b.txt", Content = "%%%" },
        ];

        var errors = Errors(request);

        Assert.Contains("attachments[1].content", errors.Keys);
        Assert.DoesNotContain("attachments[0].content", errors.Keys);
    }
}
