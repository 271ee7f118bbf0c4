using EmailRelay.Api.Http;

namespace EmailRelay.UnitTests.Api;

public sealed class CursorTests
{
    public static TheoryData<Guid> Ids => new()
    {
        Guid.Empty,
        Guid.Parse("0195a3b4-5c6d-7e8f-9012-3456789abcde"),
        Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"),
        Guid.Parse("fbffefbe-fbef-7bff-bfef-fbffeffbefff"),   // base64 of these bytes is full of '+' and '/'
        Guid.CreateVersion7(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero)),
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public void An_encoded_cursor_decodes_to_the_same_id(Guid id)
    {
        var cursor = Cursor.Encode(id);

        Assert.True(Cursor.TryDecode(cursor, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void A_cursor_is_url_safe_without_padding(Guid id)
    {
        var cursor = Cursor.Encode(id);

        Assert.Equal(22, cursor.Length);
        Assert.All(cursor, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not base64url"));
    }

    [Fact]
    public void Cursors_sort_like_the_ids_they_encode_in_byte_order()
    {
        var earlier = Guid.CreateVersion7(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var later = Guid.CreateVersion7(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(Cursor.TryDecode(Cursor.Encode(earlier), out var a));
        Assert.True(Cursor.TryDecode(Cursor.Encode(later), out var b));
        Assert.True(a.CompareTo(b) < 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA")]        // 21 characters: not a whole number of bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")]     // 24 characters: 18 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("0195a3b4-5c6d-7e8f-9012-3456789abcde")]
    public void Garbage_is_rejected(string value)
    {
        Assert.False(Cursor.TryDecode(value, out var id));
        Assert.Equal(Guid.Empty, id);
    }
}
