namespace EmailRelay.Tracking.Bounces.Parsing;

/// <summary>How a report told us what happened; the wire names are in <see cref="BounceFormatNames"/>.</summary>
public enum BounceFormat
{
    /// <summary>Nothing the parser recognises: no recipient can be trusted.</summary>
    Unknown,

    /// <summary>A multipart/report with a message/delivery-status part (RFC 3464).</summary>
    Rfc3464,

    /// <summary>Delivery-status fields outside a proper multipart/report: a stray or mislabelled part.</summary>
    Rfc3464Partial,

    /// <summary>A complaint in the Abuse Reporting Format (RFC 5965).</summary>
    Arf,

    /// <summary>An automatic reply such as an out-of-office notice (RFC 3834): delivered, not a bounce.</summary>
    AutoReply,

    /// <summary>A notification in an MTA's or provider's own words (Exim, qmail, Gmail, Exchange …).</summary>
    VendorText,

    /// <summary>A provider's JSON notification (Amazon SES).</summary>
    VendorJson,
}
