using System.Text;
using EmailRelay.Tracking.Bounces.Parsing;

namespace EmailRelay.UnitTests.Bounces;

/// <summary>Parses a message written inline in a test (LF line ends, as stored reports often have).</summary>
internal static class Reports
{
    public static BounceReport Parse(string message) => BounceParser.Default.Parse(Encoding.UTF8.GetBytes(message));

    public static BounceRecipient Single(string message)
    {
        var report = Parse(message);
        return Assert.Single(report.Recipients);
    }
}
