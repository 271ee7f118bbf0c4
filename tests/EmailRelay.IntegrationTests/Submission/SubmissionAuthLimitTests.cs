using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Submission;

/// <summary>
/// Failed logins are limited per client address across every API replica: the count is in
/// PostgreSQL, so failures on one process block the address on the other too.
/// </summary>
public sealed class SubmissionAuthLimitTests : IAsyncLifetime
{
    private RelayStack _stack = null!;

    public async Task InitializeAsync() =>
        _stack = await RelayStack.StartWithSubmissionAsync("submission-auth-limit", new Dictionary<string, string>
        {
            ["Submission__FailedAuthLimit"] = "3",
            ["Submission__FailedAuthWindow"] = "00:30:00",
        });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task After_the_limit_of_failures_from_two_replicas_a_good_key_is_refused_on_both()
    {
        var key = await _stack.CreateKeyAsync("smtp", "emails:send");
        var (second, secondPort, _) = await _stack.StartExtraSubmissionApiAsync();
        await using var _ = second;

        // A good key works before any failure.
        await using (var ok = await StartAsync(_stack.SubmissionPort))
        {
            Assert.StartsWith("235", await ok.AuthPlainAsync("apikey", key), StringComparison.Ordinal);
        }
        // Two failures on the first process, one on the second: three in all from 127.0.0.1.
        await using (var first = await StartAsync(_stack.SubmissionPort))
        {
            Assert.StartsWith("535 5.7.8", await first.AuthPlainAsync("apikey", "er_live_wrong_0000000000000000000001"), StringComparison.Ordinal);
            Assert.StartsWith("535 5.7.8", await first.AuthPlainAsync("apikey", "er_live_wrong_0000000000000000000002"), StringComparison.Ordinal);
        }
        await using (var other = await StartAsync(secondPort))
        {
            Assert.StartsWith("535 5.7.8", await other.AuthPlainAsync("apikey", "er_live_wrong_0000000000000000000003"), StringComparison.Ordinal);
        }

        await using (var first = await StartAsync(_stack.SubmissionPort))
        {
            Assert.StartsWith("454 4.7.0", await first.AuthPlainAsync("apikey", key), StringComparison.Ordinal);
            Assert.StartsWith("530 5.7.0", await first.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
        }
        await using (var other = await StartAsync(secondPort))
        {
            Assert.StartsWith("454 4.7.0", await other.AuthPlainAsync("apikey", key), StringComparison.Ordinal);
        }
        Assert.Equal(3, await _stack.Database.ScalarAsync<int>("SELECT failures FROM submission_auth_failures WHERE address = '127.0.0.1'"));
    }

    private static async Task<SmtpDialog> StartAsync(int port)
    {
        var dialog = await SmtpDialog.ConnectAsync(port);
        await dialog.CommandAsync("EHLO client.test");
        await dialog.StartTlsAsync();
        await dialog.CommandAsync("EHLO client.test");
        return dialog;
    }
}
