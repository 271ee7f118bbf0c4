using System.Text;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.UnitTests.Sender;

public sealed class DataPhaseTrackerTests
{
    private static void Server(DataPhaseTracker tracker, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        tracker.LogServer(bytes, 0, bytes.Length);
    }

    [Fact]
    public void A_fresh_tracker_has_not_seen_data_start()
    {
        using var tracker = new DataPhaseTracker();

        Assert.False(tracker.DataStarted);
    }

    [Fact]
    public void Pipelined_replies_ending_in_354_start_the_data_phase()
    {
        using var tracker = new DataPhaseTracker();

        Server(tracker, "250 OK\r\n354 go\r\n");

        Assert.True(tracker.DataStarted);
    }

    [Theory]
    [InlineData("250 ok\r\n")]
    [InlineData("220 mx.example.net ESMTP\r\n")]
    [InlineData("250-mx.example.net\r\n250-SIZE 35400000\r\n250 PIPELINING\r\n")]
    [InlineData("250 2.0.0 Ok: queued as 354AB\r\n")]
    [InlineData("550 5.1.1 user 354 unknown\r\n")]
    public void Replies_without_a_354_line_do_not_start_the_data_phase(string text)
    {
        using var tracker = new DataPhaseTracker();

        Server(tracker, text);

        Assert.False(tracker.DataStarted);
    }

    [Fact]
    public void A_354_in_a_later_buffer_starts_the_data_phase()
    {
        using var tracker = new DataPhaseTracker();

        Server(tracker, "250 2.1.0 Ok\r\n");
        Server(tracker, "250 2.1.5 Ok\r\n");
        Server(tracker, "354 End data with <CR><LF>.<CR><LF>\r\n");

        Assert.True(tracker.DataStarted);
    }

    [Fact]
    public void Only_the_logged_slice_of_the_buffer_is_read()
    {
        using var tracker = new DataPhaseTracker();
        var bytes = Encoding.ASCII.GetBytes("354 go\r\n250 ok\r\n");

        tracker.LogServer(bytes, 8, 8);

        Assert.False(tracker.DataStarted);
    }

    [Fact]
    public void Client_lines_never_start_the_data_phase()
    {
        using var tracker = new DataPhaseTracker();
        var bytes = Encoding.ASCII.GetBytes("354 looks like a reply\r\n");

        tracker.LogClient(bytes, 0, bytes.Length);

        Assert.False(tracker.DataStarted);
    }

    [Fact]
    public void Reset_clears_the_data_phase()
    {
        using var tracker = new DataPhaseTracker();
        Server(tracker, "354 go\r\n");

        tracker.Reset();

        Assert.False(tracker.DataStarted);
        Server(tracker, "250 ok\r\n");
        Assert.False(tracker.DataStarted);
    }

    [Fact]
    public void After_a_reset_the_next_354_is_seen_again()
    {
        using var tracker = new DataPhaseTracker();
        Server(tracker, "354 go\r\n");
        tracker.Reset();

        Server(tracker, "250 ok\r\n354 go\r\n");

        Assert.True(tracker.DataStarted);
    }
}
