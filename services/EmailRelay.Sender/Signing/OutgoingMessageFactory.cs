using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Signing;

/// <summary>
/// The message a delivery sends: the stored bytes as they are, under this hop's Received field
/// and, for a project's verified From domain with an active key, a DKIM-Signature above it (the
/// order a signing MTA leaves them in: signature, then the trace of its own receipt).
/// </summary>
public sealed class OutgoingMessageFactory(MessageSigner signer, TraceField trace)
{
    /// <param name="messageId">The message's id, named in the Received field.</param>
    /// <param name="projectId">The project whose keys may sign it.</param>
    /// <param name="fromAddress">The author's address as accepted (its domain an A-label): its domain picks the key.</param>
    /// <param name="acceptedAt">When the message was accepted: the Received field's time.</param>
    /// <param name="mime">The bytes stored at accept.</param>
    /// <param name="cancellationToken">Cancels the key lookup.</param>
    /// <exception cref="DkimSigningException">The domain's active key cannot be opened.</exception>
    public async Task<StoredMessage> CreateAsync(Guid messageId, Guid projectId, string fromAddress, DateTimeOffset acceptedAt, byte[] mime,
        CancellationToken cancellationToken)
    {
        var message = StoredMessage.Parse(mime);
        message.Prepend(trace.Received(messageId, acceptedAt));
        var at = fromAddress.LastIndexOf('@');
        if (at > 0 && at < fromAddress.Length - 1
            && await signer.SignAsync(projectId, fromAddress[(at + 1)..], message, cancellationToken) is { } signature)
        {
            message.Prepend(signature);
        }
        return message;
    }
}
