using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EmailRelay.Data.Domains;
using EmailRelay.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// DKIM signing end to end: a verified sending domain with an active key in PostgreSQL (sealed
/// under the same Dkim__MasterKey the sender gets), the relay delivering to the scriptable
/// smarthost, and what the smarthost received judged by Debian's python3-dkim, which fetches the
/// public key from a real DNS server (dnsmasq).
/// </summary>
public sealed class DkimSigningTests : IAsyncLifetime
{
    private static readonly Guid DefaultProject = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private const string SignedDomain = "signed.test";
    private const string Selector = "er2025a";

    private readonly RSA _key = RSA.Create(2048);
    private readonly string _masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private TestDnsServer _dns = null!;
    private RelayStack _stack = null!;

    public async Task InitializeAsync()
    {
        var record = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());
        _dns = await TestDnsServer.StartAsync(new DnsZone()
            .Txt($"{Selector}._domainkey.{SignedDomain}", record)
            .Txt($"{Selector}._domainkey.pending.test", record)
            .Txt($"{Selector}._domainkey.elsewhere.test", record));
        _stack = await RelayStack.StartAsync("dkim", new Dictionary<string, string> { ["Dkim__MasterKey"] = _masterKey });
        await InsertDomainAsync(DefaultProject, SignedDomain, "verified");
        // A key that must not be used: the domain is not verified yet.
        await InsertDomainAsync(DefaultProject, "pending.test", "pending");
        // Verified, but by another project: its key signs that project's mail only.
        var other = Guid.CreateVersion7();
        await ExecuteAsync("INSERT INTO projects (id, name, created_at) VALUES ($1, $2, now())", other, "other-" + other.ToString("N")[..8]);
        await InsertDomainAsync(other, "elsewhere.test", "verified");
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _dns.DisposeAsync();
        _key.Dispose();
    }

    [Fact]
    public async Task Mail_from_a_verified_domain_arrives_signed_and_python3_dkim_verifies_it_with_the_key_from_dns()
    {
        var to = Emails.Unique("ana");
        var email = Emails.Simple(to);
        email["from"] = $"Billing <billing@{SignedDomain}>";
        email["subject"] = "Grüße — your receipt";
        // 8-bit text and lines that SMTP dot-stuffs: what the API stores of them is what is signed and sent.
        email["text"] = ".leading dot\n..two dots\n.\nGrüße, ünïcode — 8-bit UTF-8\n" + new string('x', 900) + "\n";
        email["headers"] = new Dictionary<string, string> { ["List-Unsubscribe"] = "<mailto:unsub@signed.test>" };
        var id = await _stack.SendAsync(email);

        await _stack.WaitForStatusAsync(id, "delivered");

        var received = _stack.Smtp.Messages.Single(m => m.Recipients.Contains(to)).Data;
        var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        Assert.Equal(DefaultProject, await _stack.Database.ScalarAsync<Guid>("SELECT project_id FROM messages WHERE id = $1", id));
        // The stored bytes as they are, under the signature and this hop's trace field.
        var text = Encoding.UTF8.GetString(received);
        Assert.Equal(stored, received[^stored!.Length..]);
        Assert.Matches($@"^DKIM-Signature:[^\r]*(\r\n\s[^\r]*)*\r\nReceived: by [^ ]+ \(EmailRelay\) with HTTP id {id:N};\r\n\t[^\r]+\r\n", text);
        var signature = Regex.Replace(text[..text.IndexOf("\r\nReceived: ", StringComparison.Ordinal)], @"\s+", "");
        Assert.StartsWith($"DKIM-Signature:v=1;a=rsa-sha256;d={SignedDomain};s={Selector};c=relaxed/relaxed;", signature, StringComparison.Ordinal);
        Assert.Contains(";h=from:from:subject:subject:date:to:message-id:mime-version:content-type:content-transfer-encoding:list-unsubscribe;",
            signature, StringComparison.Ordinal);

        var (exit, output) = await VerifyAsync(received);
        Assert.True(exit == 0, output);
        Assert.StartsWith("pass", output, StringComparison.Ordinal);

        // The verifier really checks: a changed Subject or an added From fails.
        var tampered = Encoding.UTF8.GetBytes(ReplaceOnce(text, "\r\nSubject: ", "\r\nSubject: Re: "));
        Assert.NotEqual(received, tampered);
        (exit, output) = await VerifyAsync(tampered);
        Assert.True(exit == 1, output);
        (exit, output) = await VerifyAsync([.. "From: Mallory <ceo@signed.test>\r\n"u8, .. received]);
        Assert.True(exit == 1, output);
    }

    [Fact]
    public async Task Mail_from_a_domain_not_verified_for_the_project_is_sent_unsigned_with_the_stored_bytes_intact()
    {
        foreach (var domain in new[] { "pending.test", "elsewhere.test", "unknown.test" })
        {
            var to = Emails.Unique("bob");
            var email = Emails.Simple(to);
            email["from"] = $"someone@{domain}";
            var id = await _stack.SendAsync(email);

            await _stack.WaitForStatusAsync(id, "delivered");

            var received = _stack.Smtp.Messages.Single(m => m.Recipients.Contains(to)).Data;
            var stored = await _stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
            var text = Encoding.UTF8.GetString(received);
            Assert.DoesNotContain("DKIM-Signature", text, StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith($"Received: by ", text, StringComparison.Ordinal);
            Assert.Equal(stored, received[^stored!.Length..]);
            var (exit, output) = await VerifyAsync(received);
            Assert.True(exit == 2, $"{domain}: {output}");
        }
    }

    private async Task InsertDomainAsync(Guid project, string name, string status)
    {
        var domainId = Guid.CreateVersion7();
        var protector = new DkimKeyProtector(Options.Create(new DkimOptions { MasterKey = _masterKey }));
        await ExecuteAsync(
            "INSERT INTO sending_domains (id, project_id, name, status, verification_token, verified_at) VALUES ($1, $2, $3, $4, 'token', now())",
            domainId, project, name, status);
        await ExecuteAsync(
            """
            INSERT INTO dkim_keys (id, domain_id, selector, public_key, private_key, state, activated_at)
            VALUES ($1, $2, $3, $4, $5, 'active', now())
            """,
            Guid.CreateVersion7(), domainId, Selector, Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo()),
            protector.Seal(_key.ExportPkcs8PrivateKey(), domainId));
    }

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = _stack.Database.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }

    private static string ReplaceOnce(string text, string find, string replacement)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find.Trim()}' not in the message");
        return string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + find.Length));
    }

    private Task<(int ExitCode, string Output)> VerifyAsync(byte[] message) => DkimVerifier.VerifyAsync(message, _dns);
}
