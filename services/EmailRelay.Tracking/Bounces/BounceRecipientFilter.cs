using EmailRelay.Data.Bounces;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Storage;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// The listener takes mail for the bounce domain only — it relays nothing — and a handful of
/// recipients per transaction. Any sender is accepted: reports come from the null sender
/// (MAIL FROM:&lt;&gt;) or from whatever a provider's feedback loop uses.
/// </summary>
public sealed class BounceRecipientFilter(BounceOptions bounces, BounceListenerOptions listener) : IMailboxFilter
{
    private const string RecipientCountKey = "emailrelay.rcpt-count";

    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        context.Properties[RecipientCountKey] = 0;
        return Task.FromResult(true);
    }

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        var count = context.Properties.TryGetValue(RecipientCountKey, out var value) && value is int n ? n : 0;
        if (count >= listener.MaxRecipients || !string.Equals(to.Host, bounces.Domain, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(false);
        }
        context.Properties[RecipientCountKey] = count + 1;
        return Task.FromResult(true);
    }
}
