using System.Text;
using EmailRelay.Api.Emails;
using MimeKit;
using static EmailRelay.UnitTests.Api.TestEmails;

namespace EmailRelay.UnitTests.Api;

public sealed class MimeComposerTests
{
    private static readonly Guid Id = Guid.Parse("0195a3b4-5c6d-7e8f-9012-3456789abcde");

    private static ComposedMessage Compose(SendEmailRequest request) => MimeComposer.Compose(Valid(request), Id, Now);

    private static MimeMessage Parse(ComposedMessage composed)
    {
        using var stream = new MemoryStream(composed.Mime);
        return MimeMessage.Load(stream);
    }

    private static string Ascii(ComposedMessage composed) => Encoding.ASCII.GetString(composed.Mime);

    /// <summary>The header block: everything before the first empty line.</summary>
    private static string HeaderBlock(ComposedMessage composed)
    {
        var text = Ascii(composed);
        return text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
    }

    private static SendEmailRequest RichRequest()
    {
        var request = Request();
        request.Cc = ["Carl <carl@example.org>"];
        request.Bcc = ["Hidden Person <hidden@secret.example>"];
        request.ReplyTo = ["support@acme.example"];
        request.Html = "<p>html body</p>";
        request.Headers = new() { ["X-Campaign"] = "receipts" };
        request.Attachments = [new AttachmentRequest { Filename = "r.txt", Content = Base64("receipt\nline two\n") }];
        return request;
    }

    [Fact]
    public void Every_line_ends_in_crlf_and_there_is_no_bare_lf_or_cr()
    {
        var request = RichRequest();
        request.Text = "one\ntwo\r\nthree\n";

        var mime = Compose(request).Mime;

        for (var i = 0; i < mime.Length; i++)
        {
            if (mime[i] == (byte)'\n')
            {
                Assert.True(i > 0 && mime[i - 1] == (byte)'\r', $"bare LF at byte {i}");
            }
            if (mime[i] == (byte)'\r')
            {
                Assert.True(i + 1 < mime.Length && mime[i + 1] == (byte)'\n', $"bare CR at byte {i}");
            }
        }
    }

    [Fact]
    public void Message_id_is_derived_from_the_id_and_the_from_domain()
    {
        var composed = Compose(Request());

        Assert.Equal($"<{Id:N}@acme.example>", composed.MessageIdHeader);
        Assert.Equal($"{Id:N}@acme.example", Parse(composed).MessageId);
    }

    [Fact]
    public void Message_id_domain_of_an_internationalised_sender_is_punycode()
    {
        var request = Request();
        request.From = "Bücher <shop@bücher.example>";

        var composed = Compose(request);

        Assert.Equal($"<{Id:N}@xn--bcher-kva.example>", composed.MessageIdHeader);
        Assert.All(composed.Mime, b => Assert.True(b < 128));
    }

    [Fact]
    public void Date_header_is_the_accept_time()
    {
        Assert.Equal(Now, Parse(Compose(Request())).Date);
    }

    [Fact]
    public void Visible_headers_carry_from_to_cc_reply_to_subject_and_mime_version()
    {
        var message = Parse(Compose(RichRequest()));

        Assert.Equal("no-reply@acme.example", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("ana@example.net", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("carl@example.org", Assert.Single(message.Cc.Mailboxes).Address);
        Assert.Equal("support@acme.example", Assert.Single(message.ReplyTo.Mailboxes).Address);
        Assert.Equal("Your receipt", message.Subject);
        Assert.Equal("1.0", message.MimeVersion?.ToString());
    }

    [Fact]
    public void Custom_headers_are_present_verbatim()
    {
        var request = RichRequest();
        request.Headers = new() { ["X-Campaign"] = "receipts", ["List-Unsubscribe"] = "<mailto:unsub@acme.example>" };

        var composed = Compose(request);
        var headers = HeaderBlock(composed);

        Assert.Contains("\r\nX-Campaign: receipts\r\n", headers + "\r\n", StringComparison.Ordinal);
        Assert.Contains("\r\nList-Unsubscribe: <mailto:unsub@acme.example>\r\n", headers + "\r\n", StringComparison.Ordinal);
        Assert.Equal("receipts", Parse(composed).Headers["X-Campaign"]);
    }

    [Fact]
    public void Bcc_never_appears_in_the_message()
    {
        var composed = Compose(RichRequest());

        Assert.DoesNotContain("bcc:", HeaderBlock(composed), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hidden@secret.example", Ascii(composed), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Hidden Person", Ascii(composed), StringComparison.Ordinal);
        Assert.Empty(Parse(composed).Bcc);
    }

    [Fact]
    public void Text_and_html_become_multipart_alternative()
    {
        var request = Request();
        request.Html = "<p>html body</p>";

        var message = Parse(Compose(request));

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Equal("plain body", message.TextBody?.TrimEnd());
        Assert.Equal("<p>html body</p>", message.HtmlBody?.TrimEnd());
    }

    [Fact]
    public void Text_only_is_a_single_text_plain_part()
    {
        var message = Parse(Compose(Request()));

        var part = Assert.IsType<TextPart>(message.Body);
        Assert.True(part.IsPlain);
        Assert.Equal("plain body", part.Text.TrimEnd());
    }

    [Fact]
    public void Attachment_bytes_round_trip_exactly()
    {
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7 % 256)).ToArray();
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "blob.bin", ContentType = "application/octet-stream", Content = Convert.ToBase64String(bytes) }];

        var message = Parse(Compose(request));

        var part = Assert.IsAssignableFrom<MimePart>(Assert.Single(message.Attachments));
        Assert.Equal("blob.bin", part.FileName);
        Assert.Equal("application/octet-stream", part.ContentType.MimeType);
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        Assert.Equal(bytes, decoded.ToArray());
    }

    [Fact]
    public void Text_attachment_with_bare_lf_round_trips_byte_for_byte()
    {
        var original = Encoding.UTF8.GetBytes("a\nb\r\nc\n");
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "lf.txt", Content = Convert.ToBase64String(original) }];

        var message = Parse(Compose(request));

        var part = Assert.IsAssignableFrom<MimePart>(Assert.Single(message.Attachments));
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        Assert.Equal(original, decoded.ToArray());
    }

    [Fact]
    public void Inline_attachment_with_content_id_becomes_a_related_part()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        var request = Request();
        request.Html = "<img src=\"cid:logo@acme\">";
        request.Attachments = [new AttachmentRequest { Filename = "logo.png", Content = Convert.ToBase64String(png), ContentId = "logo@acme" }];

        var message = Parse(Compose(request));

        var related = Assert.Single(Walk(message.Body!).OfType<MultipartRelated>());
        Assert.Equal("text/html", related.Root!.ContentType.MimeType);
        var part = Assert.IsAssignableFrom<MimePart>(Assert.Single(related, p => p.ContentId == "logo@acme"));
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        Assert.Equal(png, decoded.ToArray());
        Assert.Contains("Content-Id: <logo@acme>", Ascii(Compose(request)), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Attachment_with_content_id_in_a_text_only_email_is_not_dropped()
    {
        var request = Request();
        request.Attachments = [new AttachmentRequest { Filename = "logo.png", Content = Base64("not really a png"), ContentId = "logo@acme" }];

        var message = Parse(Compose(request));

        Assert.Contains(message.BodyParts.OfType<MimePart>(), p => p.FileName == "logo.png");
    }

    [Fact]
    public void Utf8_text_body_is_transfer_encoded_to_seven_bit()
    {
        const string text = "Grüße aus Köln — naïve café ✓ 日本語";
        var request = Request();
        request.Text = text;
        request.Html = $"<p>{text}</p>";

        var composed = Compose(request);

        Assert.All(composed.Mime, b => Assert.True(b < 128, $"byte {b} is not 7-bit"));
        var message = Parse(composed);
        Assert.Equal(text, message.TextBody?.TrimEnd());
        Assert.Equal($"<p>{text}</p>", message.HtmlBody?.TrimEnd());
    }

    [Fact]
    public void Very_long_body_lines_are_encoded_so_no_line_exceeds_998_octets()
    {
        var request = Request();
        request.Text = new string('x', 3000);

        var composed = Compose(request);

        Assert.All(Ascii(composed).Split("\r\n"), line => Assert.True(line.Length <= 998, $"line of {line.Length}"));
        Assert.Equal(new string('x', 3000), Parse(composed).TextBody?.TrimEnd());
    }

    [Fact]
    public void Non_ascii_subject_is_rfc2047_encoded_and_decodes_back()
    {
        const string subject = "Ihre Bestellung – Grüße ✓";
        var request = Request();
        request.Subject = subject;

        var composed = Compose(request);

        var subjectHeader = HeaderBlock(composed).Split("\r\n").SkipWhile(l => !l.StartsWith("Subject:", StringComparison.Ordinal));
        Assert.Contains("=?utf-8?", string.Concat(subjectHeader), StringComparison.OrdinalIgnoreCase);
        Assert.All(composed.Mime, b => Assert.True(b < 128));
        Assert.Equal(subject, Parse(composed).Subject);
    }

    [Fact]
    public void Non_ascii_display_name_is_encoded_and_decodes_back()
    {
        var request = Request();
        request.To = ["Zoë Ünal <zoe@example.net>"];

        var composed = Compose(request);

        Assert.All(composed.Mime, b => Assert.True(b < 128));
        Assert.Equal("Zoë Ünal", Assert.Single(Parse(composed).To.Mailboxes).Name);
    }

    [Fact]
    public void Attachment_and_body_become_multipart_mixed()
    {
        var message = Parse(Compose(RichRequest()));

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal("r.txt", Assert.IsAssignableFrom<MimePart>(mixed[1]).FileName);
    }

    private static IEnumerable<MimeEntity> Walk(MimeEntity entity)
    {
        yield return entity;
        if (entity is Multipart multipart)
        {
            foreach (var child in multipart.SelectMany(Walk))
            {
                yield return child;
            }
        }
    }
}
