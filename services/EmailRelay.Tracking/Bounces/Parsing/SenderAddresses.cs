using MimeKit;

namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>The returned message's author and envelope sender: notices mention them, but they are never the failed recipients.</summary>
internal static class SenderAddresses
{
    public static HashSet<string> Of(HeaderList? returnedHeaders)
    {
        var addresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in new[] { HeaderId.From, HeaderId.ReturnPath, HeaderId.Sender })
        {
            if (returnedHeaders?[header] is { } value && AddressText.Find(value) is { } address)
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }
}
