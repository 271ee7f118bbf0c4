using EmailRelay.Sender.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace EmailRelay.UnitTests.Sender;

public sealed class IdleQueueWatchTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 14, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Nothing_is_lost_before_the_queue_has_been_idle_for_the_whole_window()
    {
        var watch = new IdleQueueWatch(Window);
        var idleSince = _time.GetUtcNow();
        watch.Observe(0, idleSince);
        _time.Advance(Window - TimeSpan.FromMilliseconds(1));
        watch.Observe(0, _time.GetUtcNow());

        Assert.Null(watch.LostIfHandedBefore(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(idleSince, watch.LostIfHandedBefore(_time.GetUtcNow()));
    }

    [Fact]
    public void A_single_ready_command_restarts_the_window()
    {
        var watch = new IdleQueueWatch(Window);
        watch.Observe(0, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(20));
        watch.Observe(1, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(5));
        var restarted = _time.GetUtcNow();
        watch.Observe(0, restarted);
        _time.Advance(TimeSpan.FromSeconds(20));

        // 45 s since the first empty look, but only 20 s of unbroken quiet.
        Assert.Null(watch.LostIfHandedBefore(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(restarted, watch.LostIfHandedBefore(_time.GetUtcNow()));
    }

    [Fact]
    public void An_unknown_depth_never_counts_as_idle()
    {
        var watch = new IdleQueueWatch(Window);
        watch.Observe(0, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(29));
        watch.Observe(null, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.Null(watch.LostIfHandedBefore(_time.GetUtcNow()));
    }

    [Fact]
    public void A_backlog_never_makes_anything_lost()
    {
        var watch = new IdleQueueWatch(Window);
        for (var i = 0; i < 100; i++)
        {
            watch.Observe(2000, _time.GetUtcNow());
            _time.Advance(TimeSpan.FromSeconds(10));
            Assert.Null(watch.LostIfHandedBefore(_time.GetUtcNow()));
        }
    }
}
