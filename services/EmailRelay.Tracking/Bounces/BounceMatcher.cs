using EmailRelay.Data.Bounces;
using EmailRelay.Tracking.Bounces.Parsing;
using Microsoft.Extensions.Options;

namespace EmailRelay.Tracking.Bounces;

/// <summary>
/// Finds which of our recipients a report is about from the VERP token: in the address the report
/// was sent to (a DSN goes to the envelope sender), else in what the report quotes of the original
/// (an ARF report's Original-Mail-From, a returned message's Return-Path) — feedback loops send
/// to a fixed address, not to the return path. Only a token this relay's secret made is believed.
/// </summary>
public sealed class BounceMatcher(IOptions<BounceOptions> options)
{
    private readonly VerpToken? _tokens = options.Value.VerpEnabled ? new VerpToken(options.Value.Secret!) : null;

    public MatchResult Match(BounceEnvelope envelope, BounceReport report)
    {
        if (_tokens is null)
        {
            return new MatchResult([], "VERP is not configured (Bounces:Domain)");
        }
        var targets = Decode(envelope.RcptTo);
        if (targets.Count == 0)
        {
            targets = Decode([report.Feedback?.OriginalMailFrom, report.ReturnedMessage?.EnvelopeSender]);
        }
        if (targets.Count > 0)
        {
            return new MatchResult(targets, null);
        }
        var claimed = envelope.RcptTo.Any(r => r.StartsWith(VerpToken.LocalPartPrefix, StringComparison.OrdinalIgnoreCase));
        return new MatchResult([], claimed ? "the VERP token does not verify" : "no VERP token in the recipient or the returned message");
    }

    private List<BounceTarget> Decode(IEnumerable<string?> addresses)
    {
        var targets = new List<BounceTarget>();
        foreach (var address in addresses)
        {
            if (_tokens!.TryDecode(address?.Trim().Trim('<', '>'), out var messageId, out var ordinal) && !targets.Contains(new BounceTarget(messageId, ordinal)))
            {
                targets.Add(new BounceTarget(messageId, ordinal));
            }
        }
        return targets;
    }
}

/// <param name="Targets">The recipients the report is about; empty when none could be trusted.</param>
/// <param name="Unmatched">Why nothing matched, when nothing did.</param>
public sealed record MatchResult(IReadOnlyList<BounceTarget> Targets, string? Unmatched);
