namespace EmailRelay.Api.Http;

/// <summary>Opaque keyset cursors: base64url of the last id seen.</summary>
public static class Cursor
{
    public static string Encode(Guid id) =>
        Convert.ToBase64String(id.ToByteArray(bigEndian: true)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string value, out Guid id)
    {
        id = default;
        var base64 = value.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        var bytes = new byte[16];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 16)
        {
            return false;
        }
        id = new Guid(bytes, bigEndian: true);
        return true;
    }
}
