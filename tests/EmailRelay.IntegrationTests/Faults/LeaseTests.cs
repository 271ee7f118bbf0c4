using System.Diagnostics;
using EmailRelay.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EmailRelay.IntegrationTests.Faults;

/// <summary>
/// DESIGN.md §3 and §5: leases are short and renewed while a transaction runs, so a crashed
/// sender's work moves on within seconds, a slow transaction is never taken over, and a stopping
/// sender finishes or hands back what it holds without anyone waiting out a lease.
/// </summary>
public sealed class LeaseTests(ITestOutputHelper output)
{
    private const string Pending = "status NOT IN ('delivered', 'bounced', 'failed', 'suppressed')";

    [Fact]
    public async Task Transaction_longer_than_the_lease_is_kept_by_its_heartbeat_and_not_taken_over()
    {
        await using var stack = await RelayStack.StartAsync("heartbeat", new Dictionary<string, string>
        {
            ["Delivery__LeaseDuration"] = "00:00:03",
            ["Delivery__Smarthost__CommandTimeout"] = "00:00:30",
        }, senders: 2);
        // Three leases long: without renewals the other sender's dispatcher would republish it after 3 s.
        stack.Smtp.Behavior.DataReplyDelay = TimeSpan.FromSeconds(9);
        var to = Emails.Unique("slow");

        var clock = Stopwatch.StartNew();
        var id = await stack.SendAsync(Emails.Simple(to));
        await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(40));
        clock.Stop();

        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(9), $"delivered after {clock.Elapsed}: the transaction did not outlast the lease");
        Assert.Single(stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.Equal(1, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts"));
        Assert.Equal(1, await stack.Database.ScalarAsync<int>("SELECT attempts FROM recipients WHERE message_id = $1", id));
        output.WriteLine($"heartbeat: one 9 s transaction under a 3 s lease, delivered once after {clock.Elapsed.TotalSeconds:F1} s, 2 senders");
    }

    [Fact]
    public async Task Sigterm_lets_in_flight_transactions_finish_and_nothing_waits_out_a_lease()
    {
        await using var stack = await RelayStack.StartAsync("sigterm-finish", new Dictionary<string, string>
        {
            ["Sender__ConcurrentDeliveries"] = "4",
            ["Delivery__Smarthost__MaxConnections"] = "4",
            ["Delivery__Smarthost__CommandTimeout"] = "00:00:30",
        }, senders: 2);
        stack.Smtp.Behavior.DataReplyDelay = TimeSpan.FromSeconds(4);
        var ids = await stack.SendBatchAsync(Enumerable.Range(0, 12).Select(i => (object)Emails.Simple(Emails.Unique($"term-{i}"))).ToList());
        // Both senders busy: 8 in flight (4 each), 4 commands still in the queue.
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync("status = 'sending'") == 8, TimeSpan.FromSeconds(20), "8 recipients are sending");

        var clock = Stopwatch.StartNew();
        await stack.Senders[0].StopAsync(TimeSpan.FromSeconds(60));
        var exitedAfter = clock.Elapsed;
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync(Pending) == 0, TimeSpan.FromSeconds(30), "every recipient is final");
        var finalAfter = clock.Elapsed;

        // One attempt each: a recipient taken over from a lapsed lease would show the lapsed attempt
        // too, so nobody waited a lease out.
        Assert.Equal(12, await stack.RecipientsAsync("status = 'delivered' AND attempts = 1"));
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE reply LIKE 'lease lapsed:%'"));
        Assert.Equal(12, stack.Smtp.Messages.Count);
        Assert.Equal(12, stack.Smtp.Messages.SelectMany(m => m.Recipients).Distinct().Count());
        Assert.DoesNotContain("released the lease", stack.Senders[0].Tail(400), StringComparison.Ordinal);
        // Four seconds of DATA finish inside the default 20 s grace: the sender shut down on its own, not killed.
        Assert.Equal(0, stack.Senders[0].ExitCode);
        output.WriteLine($"SIGTERM with 4 transactions in flight: sender exited after {exitedAfter.TotalSeconds:F1} s, " +
                         $"all 12 delivered once {finalAfter.TotalSeconds:F1} s after SIGTERM");
    }

    [Fact]
    public async Task Sigterm_past_the_grace_hands_unsent_work_back_and_another_sender_delivers_it_at_once()
    {
        await using var stack = await RelayStack.StartAsync("sigterm-release", new Dictionary<string, string>
        {
            ["Sender__ShutdownGrace"] = "00:00:02",
            ["Sender__ConcurrentDeliveries"] = "4",
            ["Delivery__Smarthost__MaxConnections"] = "4",
            ["Delivery__Smarthost__ConnectTimeout"] = "00:01:00",
            ["Delivery__Smarthost__CommandTimeout"] = "00:01:00",
        });
        // A smarthost that accepts and never greets: the transactions hang before DATA.
        stack.Smtp.Behavior.GreetingDelay = Timeout.InfiniteTimeSpan;
        var ids = await stack.SendBatchAsync(Enumerable.Range(0, 4).Select(i => (object)Emails.Simple(Emails.Unique($"hung-{i}"))).ToList());
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync("status = 'sending'") == 4, TimeSpan.FromSeconds(20), "4 recipients are sending");
        var second = await stack.StartSenderAsync();
        stack.Smtp.Behavior.GreetingDelay = TimeSpan.Zero;

        var clock = Stopwatch.StartNew();
        await stack.Senders[0].StopAsync(TimeSpan.FromSeconds(60));
        var exitedAfter = clock.Elapsed;
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync(Pending) == 0, TimeSpan.FromSeconds(30), "every recipient is final");
        var finalAfter = clock.Elapsed;

        Assert.Equal(4, await stack.RecipientsAsync("status = 'delivered' AND attempts = 1"));
        Assert.Equal(4, stack.Smtp.Messages.Count);
        Assert.Equal(4, CountOccurrences(stack.Senders[0].Tail(400), "released the lease"));
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE outcome <> 'delivered'"));
        Assert.False(second.HasExited);
        // Grace 2 s, then the release: the sender shut down on its own, and the 15 s lease never came
        // into it (a recipient taken over from a lapsed lease would carry a second, ambiguous attempt).
        Assert.Equal(0, stack.Senders[0].ExitCode);
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE reply LIKE 'lease lapsed:%'"));
        output.WriteLine($"SIGTERM with 4 transactions hung before DATA, grace 2 s: sender exited after {exitedAfter.TotalSeconds:F1} s, " +
                         $"all 4 delivered by the other sender {finalAfter.TotalSeconds:F1} s after SIGTERM");
    }

    [Fact]
    public async Task Sigterm_past_the_grace_never_cuts_a_transaction_that_reached_data()
    {
        await using var stack = await RelayStack.StartAsync("sigterm-after-data", new Dictionary<string, string>
        {
            ["Sender__ShutdownGrace"] = "00:00:01",
            ["Delivery__Smarthost__CommandTimeout"] = "00:00:30",
        });
        // The remote holds the message for 5 s before its 250: cutting it now could duplicate it.
        stack.Smtp.Behavior.DataReplyDelay = TimeSpan.FromSeconds(5);
        var to = Emails.Unique("in-data");
        var id = await stack.SendAsync(Emails.Simple(to));
        await stack.WaitUntilAsync(() => Task.FromResult(stack.Smtp.Commands.Any(c => c.StartsWith("DATA", StringComparison.OrdinalIgnoreCase))),
            TimeSpan.FromSeconds(20), "the server received DATA");

        var clock = Stopwatch.StartNew();
        await stack.Senders[0].StopAsync(TimeSpan.FromSeconds(60));
        var exitedAfter = clock.Elapsed;

        var email = await stack.GetEmailAsync(id);
        Assert.Equal("delivered", email.Str("status"));
        Assert.Equal(1, email.Recipient(to).GetProperty("attempts").GetInt32());
        Assert.Single(stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.DoesNotContain("released the lease", stack.Senders[0].Tail(400), StringComparison.Ordinal);
        // It waited for the reply, past the 1 s grace.
        Assert.True(exitedAfter > TimeSpan.FromSeconds(2), $"the sender exited after {exitedAfter}, before the reply");
        output.WriteLine($"SIGTERM during DATA with a 1 s grace: the sender waited for the 250 and exited after {exitedAfter.TotalSeconds:F1} s; delivered once");
    }

    [Fact]
    public async Task Work_of_a_killed_sender_is_delivered_by_another_within_30_seconds_with_default_leases()
    {
        await using var stack = await RelayStack.StartAsync("kill-default-lease", new Dictionary<string, string>
        {
            ["Sender__ConcurrentDeliveries"] = "8",
            ["Delivery__Smarthost__MaxConnections"] = "8",
            ["Delivery__Smarthost__ConnectTimeout"] = "00:01:00",
            ["Delivery__Smarthost__CommandTimeout"] = "00:01:00",
        });
        stack.Smtp.Behavior.GreetingDelay = Timeout.InfiniteTimeSpan;
        var ids = await stack.SendBatchAsync(Enumerable.Range(0, 8).Select(i => (object)Emails.Simple(Emails.Unique($"orphan-{i}"))).ToList());
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync("status = 'sending'") == 8, TimeSpan.FromSeconds(20), "8 recipients are sending");
        await stack.StartSenderAsync();
        stack.Smtp.Behavior.GreetingDelay = TimeSpan.Zero;

        var clock = Stopwatch.StartNew();
        await stack.Senders[0].KillAsync();
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync(Pending) == 0, TimeSpan.FromSeconds(60), "every recipient is final");
        var recovered = clock.Elapsed;

        // The dead sender's cut-off attempt counts, flagged ambiguous by the sender that took over (it
        // cannot know that this one never got past the greeting); the second attempt delivered.
        Assert.Equal(8, await stack.RecipientsAsync("status = 'delivered' AND attempts = 2"));
        Assert.Equal(8, await stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM delivery_attempts WHERE attempt = 1 AND ambiguous AND outcome = 'deferred' AND reply LIKE 'lease lapsed:%'"));
        Assert.Equal(8, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE attempt = 2 AND outcome = 'delivered'"));
        Assert.Equal(8, stack.Smtp.Messages.Count);
        Assert.Equal(8, stack.Smtp.Messages.SelectMany(m => m.Recipients).Distinct().Count());
        var report = $"kill -9 with 8 transactions held (default 15 s lease): all delivered by the other sender {recovered.TotalSeconds:F1} s after the kill";
        output.WriteLine(report);
        Directory.CreateDirectory(TestSettings.ResultsDirectory);
        await File.WriteAllTextAsync(Path.Combine(TestSettings.ResultsDirectory, "sender-kill-recovery.report"), report + Environment.NewLine);
        Assert.True(recovered < TimeSpan.FromSeconds(30), report);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
