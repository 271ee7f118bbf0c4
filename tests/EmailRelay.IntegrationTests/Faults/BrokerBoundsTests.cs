using System.Diagnostics;
using EmailRelay.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EmailRelay.IntegrationTests.Faults;

/// <summary>
/// Bounded broker use: one command per pending message at most, whatever the outage; a queue with a
/// maximum length whose refusals stay in the outbox; the error queue drained back into the outbox;
/// lost commands republished once the queue proves them lost.
/// </summary>
public sealed class BrokerBoundsTests(ITestOutputHelper output)
{
    private const string Queue = "deliver-message";
    private const string Pending = "status NOT IN ('delivered', 'bounced', 'failed', 'suppressed')";

    [Fact]
    public async Task Stalled_smarthost_never_makes_more_commands_than_pending_emails()
    {
        const int count = 2000;
        await using var stack = await RelayStack.StartAsync("stalled-smarthost", new Dictionary<string, string>
        {
            ["Delivery__Smarthost__ConnectTimeout"] = "00:00:02",
            ["Delivery__Smarthost__CommandTimeout"] = "00:00:02",
            // Short, so that if a backlog could trigger the safety net it would, many times over.
            ["Outbox__LostCommandWindow"] = "00:00:03",
            ["Outbox__ClaimTimeout"] = "00:00:03",
            ["Sender__ShutdownGrace"] = "00:00:01",
        });
        stack.Smtp.Behavior.GreetingDelay = Timeout.InfiniteTimeSpan;
        await stack.SendBatchAsync(Enumerable.Range(0, count).Select(i => (object)Emails.Simple($"stalled-{i}@example.net")).ToList());

        // The old dispatcher republished every unleased message every RedispatchAfter (5 s in these
        // tests): 20 s is four of those periods, and dozens of 1 s/2 s retry cycles.
        var clock = Stopwatch.StartNew();
        var samples = new List<(double At, long Commands, long Pending)>();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            var depth = await stack.QueueDepthAsync(Queue);
            var pending = await stack.RecipientsAsync(Pending);
            samples.Add((clock.Elapsed.TotalSeconds, depth?.Messages ?? 0, pending));
            await Task.Delay(500);
        }

        var deferrals = await stack.Database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE outcome = 'deferred'");
        var republished = await stack.CounterAsync(stack.Senders[0], "emailrelay_dispatcher_published_total");
        var worst = samples.MaxBy(s => s.Commands - s.Pending);
        var report = $"stalled smarthost, {count} emails: {samples.Count} samples over 20 s, at most {samples.Max(s => s.Commands)} commands " +
                     $"in {Queue} (pending {worst.Pending} at the worst sample, t={worst.At:F1} s); {deferrals} deferred attempts, " +
                     $"{republished} commands republished by the dispatcher for retries";
        output.WriteLine(report);
        Assert.Equal(count, await stack.RecipientsAsync(Pending));
        // The retry path really ran: deferred attempts were made and their retries republished.
        Assert.True(deferrals > 0 && republished > 0, report);
        Assert.All(samples, s => Assert.True(s.Commands <= s.Pending, $"{s.Commands} commands for {s.Pending} pending emails at t={s.At:F1} s\n{report}"));
    }

    [Fact]
    public async Task Emails_beyond_the_queue_maximum_wait_in_the_outbox_and_are_all_delivered_once()
    {
        const int count = 300;
        const int maxLength = 10;
        await using var stack = await RelayStack.StartAsync("queue-limit", new Dictionary<string, string>
        {
            ["Sender__QueueMaxLength"] = maxLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sender__ConcurrentDeliveries"] = "2",
            ["Delivery__Smarthost__MaxConnections"] = "2",
        });
        // Slow enough that the dispatcher feeds the queue for seconds after the accept burst has
        // drained: the limit is checked over at least 20 samples of that phase.
        stack.Smtp.Behavior.DataReplyDelay = TimeSpan.FromMilliseconds(100);

        using var done = new CancellationTokenSource();
        var samples = new List<(double At, long Ready)>();
        var clock = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var ready = await stack.ReadyNowAsync(Queue);
                lock (samples)
                {
                    samples.Add((clock.Elapsed.TotalSeconds, ready));
                }
                await Task.Delay(100);
            }
        });
        // Three batches one after the other: a single burst can land whole before the quorum queue
        // applies its limit, but the later batches meet a queue already over it and are refused.
        for (var batch = 0; batch < count; batch += 100)
        {
            await stack.SendBatchAsync(Enumerable.Range(batch, 100).Select(i => (object)Emails.Simple(Emails.Unique($"limit-{i}"))).ToList());
        }
        var acceptedAt = clock.Elapsed.TotalSeconds;
        var refusedAtAccept = await stack.CounterAsync(null, "emailrelay_emails_publish_left_to_dispatcher_total");
        // A deadline, not a speed: a normal run takes about 25 s, a loaded machine longer.
        await stack.WaitUntilAsync(async () => await stack.RecipientsAsync(Pending) == 0, TimeSpan.FromSeconds(120), "every recipient is final");
        var elapsed = clock.Elapsed;
        await done.CancelAsync();
        await sampler;

        // A quorum queue applies its limit after the fact: the API's burst of concurrent publishes
        // overshoots it before the queue starts refusing. Once that burst has drained to the limit,
        // only the dispatcher feeds the queue, sized to the room the queue reports: from then on
        // the limit must hold.
        var drained = samples.FindIndex(s => s.At >= acceptedAt && s.Ready <= maxLength);
        Assert.True(drained >= 0, "the accept burst never drained");
        var burst = samples.Take(drained).Select(s => s.Ready).DefaultIfEmpty().Max();
        var feeding = samples.Skip(drained).ToList();
        var refusedByDispatcher = await stack.CounterAsync(stack.Senders[0], "emailrelay_dispatcher_publish_failed_total");
        var report = $"max length {maxLength}: {count} emails, {refusedAtAccept} publishes refused at accept and kept in the outbox, " +
                     $"{refusedByDispatcher} dispatcher publishes refused later; ready commands: at most {burst} during the accept burst, " +
                     $"at most {feeding.Max(s => s.Ready)} over {feeding.Count} samples (every 100 ms) while the dispatcher fed the queue; " +
                     $"all delivered in {elapsed.TotalSeconds:F1} s";
        output.WriteLine(report);
        Assert.Equal(count, await stack.RecipientsAsync("status = 'delivered'"));
        Assert.Equal(count, stack.Smtp.Messages.Count);
        Assert.Equal(count, stack.Smtp.Messages.SelectMany(m => m.Recipients).Distinct().Count());
        // The limit acted: the broker refused what did not fit, and the refusals were not lost.
        Assert.True(refusedAtAccept > 0, report);
        Assert.True(feeding.Count >= 20, report);
        Assert.All(feeding, s => Assert.True(s.Ready <= maxLength, $"{s.Ready} ready at t={s.At:F1} s\n{report}"));
    }

    [Fact]
    public async Task Command_in_the_error_queue_is_drained_back_into_the_outbox_and_delivered()
    {
        await using var stack = await RelayStack.StartAsync("error-drain", new Dictionary<string, string>
        {
            ["Outbox__ErrorQueueRequeueDelay"] = "00:00:01",
            // Far away: the drain, not the lost-command safety net, must bring it back.
            ["Outbox__LostCommandWindow"] = "00:30:00",
        });
        // No consumer: the command stays in deliver-message, from where it is moved to the error
        // queue as MassTransit would after the last retry.
        await stack.Senders[0].StopAsync(TimeSpan.FromSeconds(30));
        var to = Emails.Unique("faulted");
        var id = await stack.SendAsync(Emails.Simple(to));
        await stack.MoveOneMessageAsync(Queue, Queue + "_error");

        var sender = await stack.StartSenderAsync();
        await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(30));

        Assert.Single(stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.Contains($"Command for message {id} was in the error queue; back in the outbox: True", sender.Tail(400), StringComparison.Ordinal);
        Assert.Equal(1, await stack.CounterAsync(sender, "emailrelay_commands_drained_from_error_queue_total"));
        output.WriteLine($"error queue: the command for {id} was drained back into the outbox and the email delivered once");
    }

    [Fact]
    public async Task Command_lost_from_the_queue_is_republished_once_the_queue_has_been_idle()
    {
        await using var stack = await RelayStack.StartAsync("lost-command", new Dictionary<string, string>
        {
            ["Outbox__LostCommandWindow"] = "00:00:02",
        });
        await stack.Senders[0].StopAsync(TimeSpan.FromSeconds(30));
        var to = Emails.Unique("purged");
        var id = await stack.SendAsync(Emails.Simple(to));
        // An operator purges the queue: the broker confirmed the command, then it vanished.
        await stack.PurgeQueueAsync(Queue);

        var clock = Stopwatch.StartNew();
        var sender = await stack.StartSenderAsync();
        await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(30));

        Assert.Single(stack.Smtp.Messages, m => m.Recipients.Contains(to));
        Assert.Equal(1, await stack.CounterAsync(sender, "emailrelay_dispatcher_published_total"));
        Assert.Contains("never taken", sender.Tail(400), StringComparison.Ordinal);
        output.WriteLine($"lost command: republished by the safety net, delivered {clock.Elapsed.TotalSeconds:F1} s after a sender started");
    }
}
