using System.Text;
using System.Text.Json;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>
/// Interop with a real MTA (issue 9 point 7): direct delivery, through a real DNS server's MX
/// record, to Debian's Postfix offering STARTTLS with a self-signed certificate, which stores the
/// message in a Maildir. What arrives must be the stored MIME byte for byte, apart from the
/// trace headers prepended on the way.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PostfixInteropTests
{
    // Prepended by Postfix (virtual: Return-Path, Delivered-To, X-Original-To; smtpd: Received) and by the relay (DKIM-Signature).
    private static readonly string[] Prepended = ["Return-Path", "Delivered-To", "X-Original-To", "Received", "DKIM-Signature"];

    [Fact]
    public async Task A_message_delivered_direct_to_postfix_over_STARTTLS_arrives_byte_identical_and_DKIM_signed()
    {
        const string SendingDomain = "sender.postfix.test";
        await using var postfix = await TestPostfix.StartAsync("postfix.test");
        var zone = new DnsZone().Mx("postfix.test", "mx.postfix.test", 10).Address("mx.postfix.test", "127.0.0.1");
        var dns = await TestDnsServer.StartAsync(zone);
        await using var stack = await RelayStack.StartDirectAsync("postfix-interop", dns, postfix.Port, new Dictionary<string, string>
        {
            ["Senders__RequireVerifiedDomain"] = "true",
        });
        try
        {
            // The sending domain as a user sets it up: added through the API, its records published
            // in DNS (the same server takes over the port), verified by the API's own lookups.
            using var created = await stack.PostJsonAsync("v1/domains", new Dictionary<string, object> { ["name"] = SendingDomain });
            var domain = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.Clone();
            Assert.True(created.IsSuccessStatusCode, domain.ToString());
            var port = dns.Port;
            await dns.DisposeAsync();
            dns = await TestDnsServer.StartAsync(DomainStack.Add(zone, domain), port);
            using var verified = await stack.PostJsonAsync($"v1/domains/{domain.Str("id")}/verify", new Dictionary<string, object>());
            var check = await verified.Content.ReadAsStringAsync();
            Assert.Contains("\"status\":\"verified\"", check, StringComparison.Ordinal);

            await DeliverAndCheckAsync(stack, postfix, dns, SendingDomain);
        }
        finally
        {
            await dns.DisposeAsync();
        }
    }

    private static async Task DeliverAndCheckAsync(RelayStack stack, TestPostfix postfix, TestDnsServer dns, string sendingDomain)
    {
        var to = Emails.Unique("interop", "postfix.test");
        var body = Emails.Simple(to);
        body["from"] = $"Interop <app@{sendingDomain}>";
        body["subject"] = "Interop with Postfix: ünïcödé, and a long subject line that MimeKit must fold over more than one line";
        body["text"] = "Line one.\n.A line starting with a dot\nFrom the start of a line\n" + new string('x', 900) + "\n";
        body["html"] = "<p>Hello <b>Postfix</b></p>";

        var id = await stack.SendAsync(body);
        await stack.WaitForStatusAsync(id, "delivered");
        var delivered = Assert.Single(await postfix.WaitForMailAsync(1, TimeSpan.FromSeconds(30)));

        var stored = await stack.Database.ScalarAsync<byte[]>("SELECT mime FROM message_contents WHERE message_id = $1", id);
        var (trace, rest) = SplitPrepended(ToCrlf(delivered));
        Assert.Equal(Encoding.ASCII.GetString(stored!), Encoding.ASCII.GetString(rest));
        Assert.Equal(stored, rest);
        Assert.Contains(trace, h => h.StartsWith("Delivered-To: " + to, StringComparison.OrdinalIgnoreCase));
        // smtpd_tls_received_header: Postfix says in its Received header that the session was TLS.
        Assert.Contains(trace, h => h.StartsWith("Received:", StringComparison.Ordinal) && h.Contains("using TLS", StringComparison.Ordinal));

        // Signed with the key the API made, verified by python3-dkim with the key from DNS, on the
        // copy Postfix stored (its own trace fields on top are not signed).
        Assert.Contains(trace, h => h.StartsWith("DKIM-Signature:", StringComparison.Ordinal) && h.Contains($"d={sendingDomain};", StringComparison.Ordinal));
        var (exit, output) = await DkimVerifier.VerifyAsync(ToCrlf(delivered), dns);
        Assert.True(exit == 0, output);

        var attempt = (await stack.GetAttemptsAsync(id)).EnumerateArray().Single();
        Assert.True(attempt.GetProperty("tls").GetBoolean());
        Assert.Equal("mx.postfix.test", attempt.Str("remote_host"));
        Assert.StartsWith("250 2.0.0 Ok: queued as ", attempt.Str("reply"), StringComparison.Ordinal);
    }

    /// <summary>Maildir keeps lines with LF; the stored MIME (and the wire) uses CRLF.</summary>
    private static byte[] ToCrlf(byte[] lf) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(lf).Replace("\n", "\r\n", StringComparison.Ordinal));

    /// <summary>The leading header fields named in <see cref="Prepended"/> (unfolded into one string each), and the bytes after them (the remainder).</summary>
    private static (List<string> Trace, byte[] Remainder) SplitPrepended(byte[] message)
    {
        var text = Encoding.Latin1.GetString(message);
        var trace = new List<string>();
        var position = 0;
        while (position < text.Length)
        {
            var end = position;
            // A field ends at a CRLF not followed by white space (a folded continuation).
            do
            {
                end = text.IndexOf("\r\n", end, StringComparison.Ordinal) + 2;
            }
            while (end > 1 && end < text.Length && text[end] is ' ' or '\t');
            var field = text[position..end];
            var name = field[..Math.Max(0, field.IndexOf(':', StringComparison.Ordinal))];
            if (!Prepended.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                break;
            }
            trace.Add(field.Replace("\r\n", "", StringComparison.Ordinal));
            position = end;
        }
        return (trace, Encoding.Latin1.GetBytes(text[position..]));
    }
}
