using System.Buffers.Binary;

namespace EmailRelay.Data;

/// <summary>
/// Time bounds over UUIDv7 ids. An id's first 48 bits are its Unix time in milliseconds, and
/// PostgreSQL orders uuids byte by byte, so a time range over the ids' creation becomes a range
/// over the primary key.
/// </summary>
public static class UuidV7
{
    /// <summary>The smallest UUIDv7 made at or after <paramref name="time"/>'s millisecond: ids below it were made earlier.</summary>
    public static Guid LowerBound(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
        var milliseconds = Math.Max(0, time.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)milliseconds << 16);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>An id below which every id made before <paramref name="time"/> falls (the next millisecond's lower bound).</summary>
    public static Guid UpperBoundBefore(DateTimeOffset time) => LowerBound(time.AddMilliseconds(1));
}
