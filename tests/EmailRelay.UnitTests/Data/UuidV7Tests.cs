using EmailRelay.Data;

namespace EmailRelay.UnitTests.Data;

public sealed class UuidV7Tests
{
    // PostgreSQL orders uuids by their bytes, big-endian: compare the same way.
    private static int Compare(Guid a, Guid b) =>
        a.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(b.ToByteArray(bigEndian: true));

    [Fact]
    public void Every_id_made_at_or_after_a_time_is_at_or_above_its_lower_bound_and_every_earlier_one_below()
    {
        var time = new DateTimeOffset(2026, 11, 29, 12, 0, 0, 500, TimeSpan.Zero).AddTicks(1234);
        var bound = UuidV7.LowerBound(time);

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(Compare(Guid.CreateVersion7(time), bound) >= 0);
            Assert.True(Compare(Guid.CreateVersion7(time.AddMilliseconds(1)), bound) > 0);
            Assert.True(Compare(Guid.CreateVersion7(time.AddMilliseconds(-1)), bound) < 0);
        }
    }

    [Fact]
    public void The_upper_bound_before_a_time_is_above_every_id_of_that_millisecond_and_below_the_next()
    {
        var time = new DateTimeOffset(2026, 11, 29, 12, 0, 0, 500, TimeSpan.Zero);
        var bound = UuidV7.UpperBoundBefore(time);

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(Compare(Guid.CreateVersion7(time), bound) < 0);
            Assert.True(Compare(Guid.CreateVersion7(time.AddMilliseconds(1)), bound) >= 0);
        }
    }
}
