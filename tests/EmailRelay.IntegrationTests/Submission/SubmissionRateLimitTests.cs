using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>The project's send rate holds on the SMTP path too: over it, 452 4.3.1 and nothing stored.</summary>
public sealed class SubmissionRateLimitTests : IAsyncLifetime
{
    private RelayStack _stack = null!;

    public async Task InitializeAsync() =>
        _stack = await RelayStack.StartWithSubmissionAsync("submission-rate", new Dictionary<string, string>
        {
            ["RateLimits__PerSecond"] = "0.01",
            ["RateLimits__Burst"] = "1",
        });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Over_the_send_rate_the_message_is_452_4_3_1_and_not_stored()
    {
        var key = await _stack.CreateKeyAsync("smtp", "emails:send");
        await using var dialog = await SmtpDialog.ConnectAsync(_stack.SubmissionTlsPort, implicitTls: true);
        await dialog.CommandAsync("EHLO client.test");
        Assert.StartsWith("235", await dialog.AuthPlainAsync("apikey", key), StringComparison.Ordinal);

        var first = await SendAsync(dialog, Emails.Unique("first"));
        SubmissionReply.QueuedId(first);
        var second = await SendAsync(dialog, Emails.Unique("second"));

        Assert.StartsWith("452 4.3.1", second, StringComparison.Ordinal);
        Assert.Equal(1, await _stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages"));
    }

    private static async Task<string> SendAsync(SmtpDialog dialog, string to)
    {
        Assert.StartsWith("250", await dialog.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await dialog.CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
        return await dialog.DataAsync(Encoding.ASCII.GetBytes($"From: app@acme.example\r\nTo: {to}\r\nSubject: rate\r\n\r\nx\r\n"));
    }
}
