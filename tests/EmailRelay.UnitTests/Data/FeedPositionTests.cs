using EmailRelay.Data.Events;

namespace EmailRelay.UnitTests.Data;

public sealed class FeedPositionTests
{
    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(495_306UL)]
    [InlineData(ulong.MaxValue)]
    public void A_position_survives_its_cursor(ulong tx)
    {
        var position = new FeedPosition(tx, Guid.CreateVersion7());
        var cursor = position.Encode();

        Assert.True(FeedPosition.TryDecode(cursor, out var decoded));
        Assert.Equal(position, decoded);
        Assert.Matches("^[A-Za-z0-9_-]{32}$", cursor);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AZgyb1Zc7wKxnU8A0sR3Yg")]            // an event id alone (the cursor before positions)
    [InlineData("AAAAAAAHjMoBmDJvVlzvArGdTwDSxHdi!")]  // not base64url
    [InlineData("AAAAAAAHjMoBmDJvVlzvArGdTwDSxHdiAA")] // too long
    public void Anything_else_is_not_a_position(string cursor) => Assert.False(FeedPosition.TryDecode(cursor, out _));

    [Fact]
    public void Positions_order_by_transaction_first_and_event_id_within_it()
    {
        var early = Guid.CreateVersion7(DateTimeOffset.UtcNow);
        var late = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddSeconds(5));

        // An event made later by a transaction that had its id earlier comes first: the feed follows transactions.
        Assert.True(new FeedPosition(10, late).CompareTo(new FeedPosition(11, early)) < 0);
        Assert.True(new FeedPosition(10, early).CompareTo(new FeedPosition(10, late)) < 0);
        Assert.True(FeedPosition.Start.CompareTo(new FeedPosition(0, early)) < 0);
    }
}
