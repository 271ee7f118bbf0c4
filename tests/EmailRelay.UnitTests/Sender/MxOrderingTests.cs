using EmailRelay.Dns;
using EmailRelay.Sender.Routing;

namespace EmailRelay.UnitTests.Sender;

public sealed class MxOrderingTests
{
    private static readonly MxHost[] Hosts =
    [
        new("backup.example", 20), new("a.example", 10), new("b.example", 10), new("c.example", 10), new("last.example", 30),
    ];

    [Fact]
    public void Lower_preference_always_comes_first()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var ordered = MxOrdering.Order(Hosts, new Random(seed));

            Assert.Equal([10, 10, 10, 20, 30], ordered.Select(h => h.Preference));
            Assert.Equal(["backup.example", "last.example"], ordered.Skip(3).Select(h => h.Host));
        }
    }

    [Fact]
    public void Hosts_of_equal_preference_are_shuffled()
    {
        var firsts = Enumerable.Range(0, 200).Select(seed => MxOrdering.Order(Hosts, new Random(seed))[0].Host).ToHashSet();

        // Each of the three preference-10 hosts leads some of the time: the load is spread.
        Assert.Equal(["a.example", "b.example", "c.example"], firsts.Order());
    }
}
