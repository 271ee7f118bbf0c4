using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>
/// The HTTP API's rules on the SMTP path: verified sending domains (550 5.7.1) and the size limit,
/// announced with SIZE and enforced while reading (552).
/// </summary>
public sealed class SubmissionPolicyTests : IAsyncLifetime
{
    private const int MaxBytes = 64 * 1024;
    private RelayStack _stack = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _stack = await RelayStack.StartWithSubmissionAsync("submission-policy", new Dictionary<string, string>
        {
            ["Senders__RequireVerifiedDomain"] = "true",
            ["Submission__MaxMessageBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Submission__MaxConnectionsPerAddress"] = "2",
        });
        _key = await _stack.CreateKeyAsync("smtp", "emails:send");
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Unverified_sender_domain_is_550_5_7_1_and_nothing_is_stored()
    {
        await using var dialog = await AuthenticatedAsync();
        Assert.StartsWith("250", await dialog.CommandAsync("MAIL FROM:<app@unverified.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await dialog.CommandAsync("RCPT TO:<ana@example.net>"), StringComparison.Ordinal);
        var reply = await dialog.DataAsync(Encoding.ASCII.GetBytes("From: app@unverified.example\r\nSubject: x\r\n\r\nHi\r\n"));

        Assert.StartsWith("550 5.7.1", reply, StringComparison.Ordinal);
        Assert.Contains("unverified.example", reply, StringComparison.Ordinal);
        Assert.Equal(0, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task Size_is_announced_and_enforced_at_mail_and_while_reading()
    {
        await using var dialog = await AuthenticatedAsync(ehlo: reply => Assert.Contains($"SIZE {MaxBytes}", reply, StringComparison.Ordinal));
        Assert.StartsWith("552", await dialog.CommandAsync($"MAIL FROM:<app@unverified.example> SIZE={MaxBytes + 1}"), StringComparison.Ordinal);

        Assert.StartsWith("250", await dialog.CommandAsync("MAIL FROM:<app@unverified.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await dialog.CommandAsync("RCPT TO:<ana@example.net>"), StringComparison.Ordinal);
        var line = new string('x', 998) + "\r\n";
        var big = Encoding.ASCII.GetBytes("From: app@unverified.example\r\nSubject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 2 * MaxBytes / line.Length)));
        var reply = await dialog.DataAsync(big);

        Assert.StartsWith("552", reply, StringComparison.Ordinal);
        Assert.Equal(0, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    [Fact]
    public async Task A_connection_over_the_per_address_limit_is_told_421_and_a_closed_one_frees_its_place()
    {
        var first = await SmtpDialog.ConnectAsync(_stack.SubmissionPort);
        await using var second = await SmtpDialog.ConnectAsync(_stack.SubmissionPort);
        Assert.StartsWith("220", first.Greeting, StringComparison.Ordinal);
        Assert.StartsWith("220", second.Greeting, StringComparison.Ordinal);
        // Twice on each port: a refusal leaves the port's accept loop ready for the next connection.
        foreach (var implicitTls in new[] { true, true, false, false })
        {
            await using var over = await SmtpDialog.ConnectAsync(implicitTls ? _stack.SubmissionTlsPort : _stack.SubmissionPort, implicitTls);
            Assert.StartsWith("421 4.7.0", over.Greeting, StringComparison.Ordinal);
        }

        Assert.StartsWith("221", await first.CommandAsync("QUIT"), StringComparison.Ordinal);
        await first.DisposeAsync();
        await _stack.WaitUntilAsync(async () =>
        {
            await using var next = await SmtpDialog.ConnectAsync(_stack.SubmissionPort);
            return next.Greeting.StartsWith("220", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20), "a place freed by the closed session");
    }

    private async Task<SmtpDialog> AuthenticatedAsync(Action<string>? ehlo = null)
    {
        var dialog = await SmtpDialog.ConnectAsync(_stack.SubmissionPort);
        await dialog.CommandAsync("EHLO client.test");
        await dialog.StartTlsAsync();
        ehlo?.Invoke(await dialog.CommandAsync("EHLO client.test"));
        Assert.StartsWith("235", await dialog.AuthPlainAsync("apikey", _key), StringComparison.Ordinal);
        return dialog;
    }
}
