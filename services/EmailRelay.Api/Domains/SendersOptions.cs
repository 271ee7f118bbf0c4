using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.Domains;

/// <summary><c>Senders__*</c>: who may appear in <c>from</c> (API.md §Sending domains).</summary>
public sealed class SendersOptions
{
    public const string Section = "Senders";

    /// <summary>
    /// <c>from</c> must be at a verified sending domain of the key's project, or the email is
    /// refused with 422. Off only for a local start or a relay behind a smarthost that checks senders itself.
    /// </summary>
    public bool RequireVerifiedDomain { get; set; } = true;

    /// <summary>
    /// How long one API process trusts its list of a project's verified domains. Only "verified"
    /// is cached: a domain not on the list is looked up again at once, so a domain verified a
    /// moment ago is accepted at once, and one deleted or failing its re-check is refused within this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan VerifiedDomainCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}
