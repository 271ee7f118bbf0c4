using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EmailRelay.Sender.Signing;
using EmailRelay.Sender.Smtp;
using EmailRelay.UnitTests.Sender.Smtp;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace EmailRelay.UnitTests.Sender.Signing;

/// <summary>
/// Signatures made with a generated key, written as MailKit writes them, and judged by
/// Debian's python3-dkim (tests/dkim-verify/verify.py) with the public key given directly.
/// </summary>
public sealed partial class MessageSignerTests
{
    private const string Domain = "acme.test";
    private const string Selector = "er2025a";
    private const string KeyName = Selector + "._domainkey." + Domain;

    // One key for the class: RSA-2048 generation costs a noticeable fraction of a second.
    private static readonly Lazy<RSA> Key = new(() => RSA.Create(2048));

    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2025, 1, 6, 10, 0, 0, TimeSpan.Zero));

    private static string KeyRecord => "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(Key.Value.ExportSubjectPublicKeyInfo());

    [Fact]
    public async Task A_signature_over_the_stored_bytes_verifies_with_python3_dkim()
    {
        var sent = SignAndWrite(StoredMessages.Awkward());

        var (exit, output) = await PythonDkimVerifier.VerifyAsync(sent, KeyName, KeyRecord);

        Assert.True(exit == 0, output);
        Assert.StartsWith("pass", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_7bit_message_as_the_api_stores_it_verifies_too()
    {
        var (exit, output) = await PythonDkimVerifier.VerifyAsync(SignAndWrite(StoredMessages.SevenBit()), KeyName, KeyRecord);

        Assert.True(exit == 0, output);
    }

    [Fact]
    public void The_signature_is_relaxed_relaxed_rsa_sha256_for_the_domain_and_selector_and_oversigns_From_and_Subject()
    {
        var signature = Signature(SignAndWrite(StoredMessages.Awkward()));

        Assert.Equal("1", Tag(signature, "v"));
        Assert.Equal("rsa-sha256", Tag(signature, "a"));
        Assert.Equal("relaxed/relaxed", Tag(signature, "c"));
        Assert.Equal(Domain, Tag(signature, "d"));
        Assert.Equal(Selector, Tag(signature, "s"));
        Assert.Equal(Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Tag(signature, "t"));
        // Present fields once each, From and Subject once more; absent ones (Cc, Reply-To...) not at all.
        Assert.Equal(
            "from:from:subject:subject:date:to:message-id:mime-version:content-type:content-transfer-encoding:list-unsubscribe",
            Tag(signature, "h"));
    }

    [Fact]
    public void Signing_leaves_the_message_fields_as_stored()
    {
        var stored = StoredMessages.Awkward();
        var message = StoredMessage.Parse(stored);
        var before = message.Headers.Select(h => h.ToString()).ToList();

        var signature = MessageSigner.Sign(DkimKeyStore.Create(Key.Value.ExportPkcs8PrivateKey(), Domain, Selector, Time), message);

        Assert.Equal(before, message.Headers.Select(h => h.ToString()));
        Assert.StartsWith("DKIM-Signature: v=1; a=rsa-sha256; d=acme.test; s=er2025a;", Encoding.ASCII.GetString(signature), StringComparison.Ordinal);
        Assert.EndsWith("\r\n", Encoding.ASCII.GetString(signature), StringComparison.Ordinal);
        Assert.DoesNotContain("\n", Encoding.ASCII.GetString(signature).Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_subject_fails_verification_so_the_verifier_really_checks()
    {
        var sent = Encoding.UTF8.GetString(SignAndWrite(StoredMessages.SevenBit()));
        var tampered = Encoding.UTF8.GetBytes(sent.Replace("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=", "Subject: Hello", StringComparison.Ordinal));
        Assert.NotEqual(sent, Encoding.UTF8.GetString(tampered));

        var (exit, output) = await PythonDkimVerifier.VerifyAsync(tampered, KeyName, KeyRecord);

        Assert.True(exit == 1, output);
    }

    [Fact]
    public async Task A_changed_body_fails_verification()
    {
        var sent = Encoding.UTF8.GetString(SignAndWrite(StoredMessages.Awkward()));
        var tampered = Encoding.UTF8.GetBytes(sent.Replace("..two dots", "..two dotz", StringComparison.Ordinal));

        var (exit, output) = await PythonDkimVerifier.VerifyAsync(tampered, KeyName, KeyRecord);

        Assert.True(exit == 1, output);
        Assert.Contains("body hash mismatch", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_second_From_added_above_the_signed_one_fails_verification()
    {
        var sent = SignAndWrite(StoredMessages.SevenBit());
        byte[] tampered = [.. "From: Mallory <ceo@acme.test>\r\n"u8, .. sent];

        var (exit, output) = await PythonDkimVerifier.VerifyAsync(tampered, KeyName, KeyRecord);

        Assert.True(exit == 1, output);
    }

    [Fact]
    public async Task A_second_Subject_added_fails_verification_because_Subject_is_oversigned()
    {
        // python3-dkim over-signs From on its own when verifying, so Subject is the field that
        // shows our h= doing the work: the same addition passes against a signature without it.
        byte[] added = [.. "Subject: Urgent: wire the money\r\n"u8];
        var oversigned = SignAndWrite(StoredMessages.SevenBit());
        var plain = SignAndWrite(StoredMessages.SevenBit(), m => [.. MessageSigner.FieldsToSign(m).Distinct(StringComparer.OrdinalIgnoreCase)]);

        var (exit, output) = await PythonDkimVerifier.VerifyAsync([.. added, .. oversigned], KeyName, KeyRecord);
        var (controlExit, controlOutput) = await PythonDkimVerifier.VerifyAsync([.. added, .. plain], KeyName, KeyRecord);

        Assert.True(exit == 1, output);
        Assert.True(controlExit == 0, controlOutput);
    }

    [Fact]
    public async Task Another_key_on_the_record_fails_verification()
    {
        using var other = RSA.Create(2048);

        var (exit, output) = await PythonDkimVerifier.VerifyAsync(SignAndWrite(StoredMessages.SevenBit()), KeyName,
            "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(other.ExportSubjectPublicKeyInfo()));

        Assert.True(exit == 1, output);
    }

    [Fact]
    public void Fields_occurring_twice_are_listed_twice()
    {
        var message = StoredMessage.Parse(Encoding.ASCII.GetBytes(
            "From: a@acme.test\r\nTo: b@example.test\r\nTo: c@example.test\r\nSubject: s\r\n\r\nbody\r\n"));

        Assert.Equal(["From", "From", "Subject", "Subject", "To", "To"], MessageSigner.FieldsToSign(message));
    }

    /// <summary>As the sender does: the trace field, the signature above it, written as MailKit writes DATA.</summary>
    private static byte[] SignAndWrite(byte[] stored, Func<MimeMessage, List<string>>? fields = null)
    {
        var message = StoredMessage.Parse(stored);
        message.Prepend(new TraceField("relay.test").Received(Guid.CreateVersion7(), Time.GetUtcNow()));
        var signer = DkimKeyStore.Create(Key.Value.ExportPkcs8PrivateKey(), Domain, Selector, Time);
        if (fields is null)
        {
            message.Prepend(MessageSigner.Sign(signer, message));
        }
        else
        {
            // MimeKit's signer with another h= list, for a control: its field is moved on top the same way.
            signer.Sign(FormatOptions.Default, message, fields(message));
            var field = message.Headers[0];
            message.Headers.RemoveAt(0);
            message.Prepend(Encoding.ASCII.GetBytes($"{field.Field}:{Encoding.ASCII.GetString(field.RawValue).TrimEnd().ReplaceLineEndings("\r\n")}\r\n"));
        }
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        using var buffer = new MemoryStream();
        message.WriteTo(options, buffer);
        var sent = buffer.ToArray();
        Assert.Equal(stored, sent[^stored.Length..]);
        return sent;
    }

    private static string Signature(byte[] sent)
    {
        var text = Encoding.ASCII.GetString(sent);
        Assert.StartsWith("DKIM-Signature:", text, StringComparison.Ordinal);
        var end = text.IndexOf("\r\nReceived:", StringComparison.Ordinal);
        return Regex.Replace(text["DKIM-Signature:".Length..end], @"\s+", "");
    }

    private static string Tag(string signature, string name) =>
        signature.Split(';').Select(t => t.Split('=', 2)).Single(t => t[0] == name)[1];
}
