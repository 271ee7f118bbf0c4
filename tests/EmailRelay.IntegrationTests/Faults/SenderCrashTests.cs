using EmailRelay.IntegrationTests.Infrastructure;
using MimeKit;
using Xunit.Abstractions;

namespace EmailRelay.IntegrationTests.Faults;

/// <summary>
/// DESIGN.md §3 guarantees: a sender killed with SIGKILL mid-delivery loses nothing; duplicates
/// are limited to transactions cut between the remote's 250 and our commit, and are counted.
/// </summary>
public sealed class SenderCrashTests(ITestOutputHelper output)
{
    private const int Messages = 300;

    [Fact]
    public async Task Every_accepted_email_reaches_a_terminal_state_after_a_sender_is_killed_mid_delivery()
    {
        await using var stack = await RelayStack.StartAsync("sender-kill", new Dictionary<string, string>
        {
            // Short leases so recovery is quick; the dispatcher republishes when they lapse. Not
            // shorter: a renewal late by most of a lease on a loaded machine would lapse the new
            // sender's own leases and add takeovers the kill did not cause.
            ["Delivery__LeaseDuration"] = "00:00:10",
            ["Sender__ConcurrentDeliveries"] = "16",
            ["Delivery__Smarthost__MaxConnections"] = "8",
        });
        // A slow smarthost keeps transactions in flight when the kill comes.
        stack.Smtp.Behavior.DataReplyDelay = TimeSpan.FromMilliseconds(40);

        var ids = new List<Guid>();
        for (var i = 0; i < Messages; i += 100)
        {
            using var response = await stack.PostJsonAsync("v1/emails/batch",
                new { emails = Enumerable.Range(i, 100).Select(n => Emails.Simple($"crash-{n}@example.net")).ToArray() });
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            ids.AddRange(body.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("id").GetGuid()));
        }
        Assert.Equal(Messages, ids.Count);

        await stack.Smtp.WaitForMessagesAsync(Messages / 5, TimeSpan.FromSeconds(60));
        const string senderSessions =
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'EmailRelay.Sender'";
        Assert.True(await stack.Database.ScalarAsync<long>(senderSessions) > 0, "the sender's sessions go by another name");
        await stack.Senders[0].KillAsync();
        var receivedAtKill = stack.Smtp.Messages.Count;
        // A statement the sender had sent still runs to its commit after the kill; its backends end
        // only when they next touch the closed socket. Counted before then, a lease or a record
        // could still change the number of recipients the kill left leased.
        await stack.WaitUntilAsync(async () => await stack.Database.ScalarAsync<long>(senderSessions) == 0,
            TimeSpan.FromSeconds(30), "the killed sender's database sessions have ended");
        var sending = await stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE status = 'sending'");
        await stack.StartSenderAsync();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        long open;
        while ((open = await stack.Database.ScalarAsync<long>(
                   "SELECT count(*) FROM recipients WHERE status NOT IN ('delivered', 'bounced', 'failed', 'suppressed')")) > 0
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        Assert.True(open == 0, $"{open} recipients not terminal 120 s after the restart\n{stack.DescribeServices()}");
        Assert.Equal(Messages, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE status = 'delivered'"));

        // Every message reached the smarthost; count the copies beyond the first.
        var copies = stack.Smtp.Messages
            .GroupBy(m => MimeMessage.Load(new MemoryStream(m.Data)).MessageId ?? "")
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Messages, copies.Count);
        var duplicates = copies.Values.Sum(c => c - 1);
        var ambiguous = await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE ambiguous");

        var report = $"sender kill -9: {Messages} accepted, {receivedAtKill} received before the kill, {sending} recipients leased at the kill, " +
                     $"all {Messages} delivered after restart, {duplicates} duplicate(s) seen by the smarthost, {ambiguous} ambiguous attempt(s) recorded";
        output.WriteLine(report);
        Directory.CreateDirectory(TestSettings.ResultsDirectory);
        await File.WriteAllTextAsync(Path.Combine(TestSettings.ResultsDirectory, "sender-kill.report"), report + Environment.NewLine);

        // A duplicate can only come from a transaction in flight at the kill: at most one per leased
        // recipient, and each such recipient's cut-off attempt was recorded as ambiguous by the sender
        // that took it over.
        Assert.True(duplicates <= sending, $"{duplicates} duplicates but only {sending} recipients were in flight");
        Assert.True(duplicates <= ambiguous, $"{duplicates} duplicates but only {ambiguous} attempts recorded as ambiguous");
        Assert.Equal(sending, await stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM delivery_attempts WHERE ambiguous AND reply LIKE 'lease lapsed:%'"));
    }
}
