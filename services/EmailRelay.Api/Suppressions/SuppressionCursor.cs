using System.Buffers.Binary;
using System.Text;

namespace EmailRelay.Api.Suppressions;

/// <summary>
/// The opaque keyset cursor of the suppression list: the last entry's (created_at, project_id,
/// address), base64url. A list is ordered by that triple, newest first.
/// </summary>
public static class SuppressionCursor
{
    public static string Encode(Suppression last)
    {
        var address = Encoding.UTF8.GetBytes(last.Email);
        var bytes = new byte[8 + 16 + address.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, last.CreatedAt.Ticks);
        last.ProjectId.TryWriteBytes(bytes.AsSpan(8, 16), bigEndian: true, out _);
        address.CopyTo(bytes, 24);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string value, out SuppressionPosition position)
    {
        position = default;
        var base64 = value.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written <= 24)
        {
            return false;
        }
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        string address;
        try
        {
            address = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 24, written - 24);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        if (address.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }
        position = new SuppressionPosition(new DateTime(ticks, DateTimeKind.Utc), new Guid(bytes.AsSpan(8, 16), bigEndian: true), address);
        return true;
    }
}
