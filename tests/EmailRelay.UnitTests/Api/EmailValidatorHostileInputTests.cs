using EmailRelay.Api.Emails;
using MimeKit;
using static EmailRelay.UnitTests.Api.TestEmails;

namespace EmailRelay.UnitTests.Api;

/// <summary>
/// The rules that keep a client's mistake a 400: what passes validation can always be composed,
/// stored in PostgreSQL and sent, so nothing the client sent can surface later as a 5xx.
/// </summary>
public sealed class EmailValidatorHostileInputTests
{
    // ---- control characters and lone surrogates ---------------------------------------------

    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u0007")]
    [InlineData("\u001b[31m")]
    [InlineData("\u007f")]
    [InlineData("\u0085")]
    [InlineData("\0")]
    public void Control_characters_in_the_subject_are_rejected(string control)
    {
        var request = Request();
        request.Subject = "Hello " + control;

        Assert.Contains("subject", Errors(request).Keys);
    }

    [Fact]
    public void A_tab_in_the_subject_or_a_header_value_is_allowed()
    {
        var request = Request();
        request.Subject = "Order\t42";
        request.Headers = new Dictionary<string, string?> { ["X-Note"] = "a\tb" };

        Assert.Equal("Order\t42", Valid(request).Request.Subject);
    }

    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u007f")]
    [InlineData("\0")]
    public void Control_characters_in_a_header_value_or_filename_are_rejected(string control)
    {
        var request = Request();
        request.Headers = new Dictionary<string, string?> { ["X-Note"] = "a" + control };
        request.Attachments = [new AttachmentRequest { Filename = "a" + control + ".txt", Content = Base64("x") }];

        var errors = Errors(request);

        Assert.Contains("headers.X-Note", errors.Keys);
        Assert.Contains("attachments[0].filename", errors.Keys);
    }

    [Fact]
    public void A_control_character_in_a_display_name_is_rejected()
    {
        var request = Request();
        request.From = "Acme\u0001 <no-reply@acme.example>";

        Assert.Contains("from", Errors(request).Keys);
    }

    [Theory]
    [InlineData(0xD800, "")]
    [InlineData(0xDC00, "x")]
    [InlineData(0xDBFF, "")]
    public void A_lone_surrogate_is_rejected_in_every_string_field(int surrogate, string around)
    {
        // Built here: xunit would replace a lone surrogate written in InlineData.
        var lone = around + (char)surrogate + around;
        var request = Request();
        request.Subject = lone;
        request.Text = lone;
        request.Html = lone;
        request.Headers = new Dictionary<string, string?> { ["X-Note"] = lone };
        request.Tags = [lone];
        request.Metadata = new Dictionary<string, string?> { [lone] = "v", ["ok"] = lone };
        request.Attachments = [new AttachmentRequest { Filename = lone + ".txt", Content = Base64("x") }];

        var errors = Errors(request);

        foreach (var field in new[] { "subject", "text", "html", "headers.X-Note", "tags[0]", $"metadata.{lone}", "metadata.ok", "attachments[0].filename" })
        {
            Assert.Contains(field, errors.Keys);
        }
    }

    [Fact]
    public void A_lone_surrogate_in_an_address_is_rejected()
    {
        var request = Request();
        request.To = [(char)0xD800 + "@example.net", "ana@" + (char)0xDC00 + ".example"];

        var errors = Errors(request);

        Assert.Contains("to[0]", errors.Keys);
        Assert.Contains("to[1]", errors.Keys);
    }

    [Fact]
    public void Surrogate_pairs_such_as_emoji_are_characters_and_allowed()
    {
        var request = Request();
        request.Subject = "Thanks \ud83d\ude00";
        request.Tags = ["\ud83c\udf89"];
        request.Metadata = new Dictionary<string, string?> { ["mood\ud83d\ude00"] = "\ud83d\ude00" };

        Assert.Equal("Thanks \ud83d\ude00", Valid(request).Request.Subject);
    }

    [Fact]
    public void NUL_in_a_body_is_rejected_but_other_controls_are_allowed()
    {
        var withNul = Request();
        withNul.Text = "a\0b";
        var withControls = Request();
        withControls.Text = "form\ffeed and \u0007 bell\r\nnext";

        Assert.Contains("text", Errors(withNul).Keys);
        Assert.NotNull(Valid(withControls));
    }

    // ---- metadata ---------------------------------------------------------------------------

    [Theory]
    [InlineData("a\0b")]
    [InlineData("\u0001")]
    [InlineData("key\n")]
    [InlineData("\t")]
    public void Metadata_keys_with_control_characters_are_rejected(string key)
    {
        var request = Request();
        request.Metadata = new Dictionary<string, string?> { [key] = "v" };

        Assert.Contains($"metadata.{key}", Errors(request).Keys);
    }

    [Theory]
    [InlineData("\0")]
    [InlineData("a\u0001")]
    [InlineData("\u007f")]
    public void Metadata_values_with_control_characters_other_than_tab_and_line_breaks_are_rejected(string value)
    {
        var request = Request();
        request.Metadata = new Dictionary<string, string?> { ["note"] = value };

        Assert.Contains("metadata.note", Errors(request).Keys);
    }

    [Fact]
    public void Metadata_values_may_hold_tabs_and_line_breaks()
    {
        var request = Request();
        request.Metadata = new Dictionary<string, string?> { ["address"] = "1 Main St\r\nSpringfield\tUSA\n" };

        Assert.Equal("1 Main St\r\nSpringfield\tUSA\n", Valid(request).Request.Metadata!["address"]);
    }

    // ---- attachments are leaf parts ---------------------------------------------------------

    [Theory]
    [InlineData("message/rfc822")]
    [InlineData("MESSAGE/RFC822")]
    [InlineData("message/partial; id=1; number=1")]
    [InlineData("message/delivery-status")]
    [InlineData("multipart/mixed")]
    [InlineData("Multipart/Alternative; boundary=x")]
    public void An_explicit_message_or_multipart_content_type_is_rejected_naming_the_field(string contentType)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "a.eml", ContentType = contentType, Content = Base64("From: a@b.c\r\n\r\nhi") }];

        var errors = Errors(request);

        var (field, messages) = Assert.Single(errors);
        Assert.Equal("attachments[0].content_type", field);
        Assert.Contains("leaf parts", Assert.Single(messages), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.eml", "")]
    [InlineData("b.EML", "bm90IGEgbWVzc2FnZQ==")]
    [InlineData("c.mht", "")]
    public void A_message_type_only_inferred_from_the_filename_travels_as_octet_stream(string filename, string content)
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = filename, Content = content }];

        var attachment = Assert.Single(Valid(request).Attachments);

        Assert.Equal("application/octet-stream", attachment.ContentType.MimeType);
        Assert.Equal(filename, attachment.Filename);
        Assert.Equal(Convert.FromBase64String(content), attachment.Content);
    }

    [Fact]
    public void A_content_id_mimekit_refuses_is_rejected()
    {
        // MimeKit throws on this one when the part is built (a 500 before): refused here instead.
        const string contentId = "(@\"x";
        var request = Request();
        request.Html = "<img src=\"cid:x\">";
        request.Attachments = [new AttachmentRequest { Filename = "a.png", Content = Base64("x"), ContentId = contentId }];

        Assert.Contains("attachments[0].content_id", Errors(request).Keys);
    }

    [Theory]
    [InlineData("logo@acme.example")]
    [InlineData("image001.png@01D9A2B3.C4D5E6F0")]
    [InlineData("logo")]
    public void Usual_content_ids_are_accepted(string contentId)
    {
        var request = Request();
        request.Html = "<img src=\"cid:x\">";
        request.Attachments = [new AttachmentRequest { Filename = "a.png", Content = Base64("x"), ContentId = contentId }];

        Assert.Equal(contentId, Assert.Single(Valid(request).Attachments).ContentId);
    }

    // ---- RFC 5321 limits --------------------------------------------------------------------

    [Fact]
    public void A_local_part_of_64_octets_is_accepted_and_65_rejected()
    {
        var ok = Request();
        ok.To = [new string('l', 64) + "@example.net"];
        var tooLong = Request();
        tooLong.To = [new string('l', 65) + "@example.net"];

        Assert.NotNull(Valid(ok));
        Assert.Contains("64 octets", Assert.Single(Errors(tooLong)["to[0]"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_ascii_local_part_is_measured_in_utf8_octets()
    {
        var request = Request();
        request.To = [new string('ü', 33) + "@example.net"];   // 33 characters, 66 octets

        Assert.Contains("to[0]", Errors(request).Keys);
    }

    [Fact]
    public void An_address_over_254_octets_is_rejected()
    {
        var request = Request();
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 4)) + ".net";   // 247 characters
        request.To = ["abcdef@" + domain, "abcdefg@" + domain];   // 254 and 255 octets

        var errors = Errors(request);

        Assert.DoesNotContain("to[0]", errors.Keys);
        Assert.Contains("254 octets", Assert.Single(errors["to[1]"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ana@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com")]   // a 64-character label
    [InlineData("ana@ääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääää.com")]   // no punycode form fits a label
    public void A_domain_with_no_valid_dns_form_is_rejected(string address)
    {
        var request = Request();
        request.To = [address];

        Assert.Contains("domain", Assert.Single(Errors(request)["to[0]"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_mailbox_longer_than_a_header_line_is_rejected_before_parsing()
    {
        var request = Request();
        request.From = new string('(', 5000) + "a@acme.example";

        Assert.Contains("998", Assert.Single(Errors(request)["from"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_accepted_envelope_address_is_ascii_in_its_domain()
    {
        var request = Request();
        request.To = ["ana@bücher.example", "jürgen@example.net"];

        var recipients = Valid(request).Recipients;

        Assert.All(recipients, r => Assert.True(System.Text.Ascii.IsValid(r.Domain), r.Domain));
        Assert.Contains(recipients, r => r.Address == "jürgen@example.net");
    }

    [Fact]
    public void What_passes_validation_always_composes()
    {
        // Every attachment shape the rules admit, together: composing must not throw.
        var request = Request();
        request.Html = "<p>x</p>";
        request.Attachments =
        [
            new AttachmentRequest { Filename = "a.eml", Content = "" },
            new AttachmentRequest { Filename = "b.txt", ContentType = "text/plain; charset=unknown-8bit", Content = Base64("é") },
            new AttachmentRequest { Filename = "日本.bin", ContentType = "application/octet-stream", Content = Base64("x"), ContentId = "logo@acme" },
        ];
        request.Headers = new Dictionary<string, string?> { ["X-Value"] = "ünïcode\tvalue" };

        var composed = MimeComposer.Compose(Valid(request), Guid.NewGuid(), Now);

        var message = MimeMessage.Load(new MemoryStream(composed.Mime));
        Assert.Equal(3, message.BodyParts.Count(p => p.IsAttachment || p.ContentId is not null));
    }
}
