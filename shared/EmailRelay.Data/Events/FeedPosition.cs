using System.Buffers.Binary;

namespace EmailRelay.Data.Events;

/// <summary>
/// A place in the event feed: the writing transaction's id, then the event id (migration 0005).
/// Positions are handed out only below every running transaction, so nothing ever lands behind
/// one a reader has passed.
/// </summary>
public readonly record struct FeedPosition(ulong Tx, Guid EventId) : IComparable<FeedPosition>
{
    /// <summary>Before every event.</summary>
    public static readonly FeedPosition Start = new(0, Guid.Empty);

    public int CompareTo(FeedPosition other)
    {
        var byTx = Tx.CompareTo(other.Tx);
        return byTx != 0 ? byTx : EventId.CompareTo(other.EventId);
    }

    /// <summary>The opaque cursor clients hold: base64url of the 8-byte tx and the 16-byte id.</summary>
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Tx);
        EventId.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Reads a cursor made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string value, out FeedPosition position)
    {
        position = default;
        if (value.Length != 32)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[24];
        if (!Convert.TryFromBase64String(value.Replace('-', '+').Replace('_', '/'), bytes, out var written) || written != 24)
        {
            return false;
        }
        position = new FeedPosition(BinaryPrimitives.ReadUInt64BigEndian(bytes), new Guid(bytes[8..], bigEndian: true));
        return true;
    }
}
