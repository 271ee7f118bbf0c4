using EmailRelay.Dns;

namespace EmailRelay.Sender.Routing;

/// <summary>
/// RFC 5321 §5.1: MX hosts are tried in preference order, lowest first, and hosts of equal
/// preference in random order, so the load a domain spreads over several MX hosts is spread.
/// </summary>
public static class MxOrdering
{
    public static IReadOnlyList<MxHost> Order(IEnumerable<MxHost> hosts, Random random)
    {
        var ordered = new List<MxHost>();
        foreach (var group in hosts.GroupBy(h => h.Preference).OrderBy(g => g.Key))
        {
            var equals = group.ToArray();
            random.Shuffle(equals);
            ordered.AddRange(equals);
        }
        return ordered;
    }
}
