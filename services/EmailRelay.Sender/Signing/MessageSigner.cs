using System.Text;
using EmailRelay.Sender.Smtp;
using MimeKit;
using MimeKit.Cryptography;

namespace EmailRelay.Sender.Signing;

/// <summary>
/// DKIM-signs a stored message for its project's verified From domain (DESIGN.md §5) with
/// MimeKit's <see cref="DkimSigner"/>: relaxed/relaxed, RSA-SHA256, d= the domain, s= its active
/// key's selector. Returns the DKIM-Signature field to prepend; the stored bytes are not touched.
/// </summary>
/// <remarks>
/// MimeKit signs what it reads from a <see cref="MimeMessage"/>: a <see cref="StoredMessage"/>
/// gives it the stored header fields with their raw bytes and the stored body bytes, so the
/// signature is over exactly what is sent.
/// </remarks>
public sealed class MessageSigner(DkimKeyStore keys)
{
    /// <summary>The fields signed when present (RFC 6376 §5.4.1's list, plus RFC 8058's List-Unsubscribe pair).</summary>
    public static readonly IReadOnlyList<string> SignedFields =
    [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post",
    ];

    /// <summary>
    /// Listed once more than they occur (RFC 6376 §8.15 "over-signing"): a verifier then treats
    /// the extra entry as an empty field, so a From or Subject added later breaks the signature.
    /// </summary>
    public static readonly IReadOnlyList<string> OverSignedFields = ["From", "Subject"];

    private static readonly FormatOptions Raw = CreateFormat();

    /// <summary>
    /// The DKIM-Signature field (CRLF line ends) for the message, or null when the project has no
    /// verified domain <paramref name="fromDomain"/> with an active key: such mail goes unsigned.
    /// </summary>
    /// <exception cref="DkimSigningException">The domain's active key cannot be opened.</exception>
    public async ValueTask<byte[]?> SignAsync(Guid projectId, string fromDomain, StoredMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var signer = await keys.FindAsync(projectId, fromDomain, cancellationToken);
        return signer is null ? null : Sign(signer, message);
    }

    /// <summary>Signs with the given signer; the message is left as it was.</summary>
    public static byte[] Sign(DkimSigner signer, StoredMessage message)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(message);
        signer.Sign(Raw, message, FieldsToSign(message));
        // MimeKit puts the signature on top of the message's header list: it is taken from there
        // and prepended to the stored bytes instead, so the message's own fields stay as stored.
        var signature = message.Headers[0];
        if (signature.Id != HeaderId.DkimSignature)
        {
            throw new InvalidOperationException("MimeKit did not put the DKIM-Signature field first.");
        }
        message.Headers.RemoveAt(0);
        // The value is folded with the platform's line ends; on the wire every line ends in CRLF.
        var value = Encoding.ASCII.GetString(signature.RawValue).TrimEnd('\r', '\n').ReplaceLineEndings("\r\n");
        return Encoding.ASCII.GetBytes($"{signature.Field}:{value}\r\n");
    }

    /// <summary>
    /// The h= list: each field of <see cref="SignedFields"/> as often as it occurs (MimeKit signs
    /// repeated fields bottom-up, as RFC 6376 §5.4.2 requires), over-signed ones once more.
    /// </summary>
    public static List<string> FieldsToSign(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var present = message.Headers.Concat(message.Body?.Headers ?? [])
            .GroupBy(h => h.Field, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        var fields = new List<string>();
        foreach (var field in SignedFields)
        {
            var count = present.GetValueOrDefault(field) + (OverSignedFields.Contains(field, StringComparer.OrdinalIgnoreCase) ? 1 : 0);
            fields.AddRange(Enumerable.Repeat(field, count));
        }
        return fields;
    }

    private static FormatOptions CreateFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        // The fields are canonicalized from their raw stored bytes, never re-encoded.
        options.International = false;
        return options;
    }
}
